/** The webhooks page: endpoints, the create form (secret shown once), one endpoint's deliveries with redeliver. */
import { EVENT_TYPES } from '../../domain/events/event-types.ts';
import { attr, html, type Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import { csrfField, type Flash, layout } from './layout.ts';

export interface Endpoint {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  disabled_reason: string | null;
  created_at: string;
}

export interface Delivery {
  id: string;
  event: string;
  status: string;
  attempts: number;
  max_attempts: number;
  response_status: number | null;
  error: string | null;
  created_at: string;
}

function when(at: string | null): string {
  return at ? at.replace('T', ' ').slice(0, 16) : '—';
}

export function webhooksPage(
  ctx: PageContext,
  endpoints: Endpoint[],
  open: { endpoint: Endpoint; deliveries: Delivery[] } | undefined,
  secret: { url: string; secret: string } | undefined,
  flash: Flash,
): Node {
  return layout(
    ctx,
    'Webhooks',
    html`${
      secret
        ? html`<section class="panel secret" aria-labelledby="secret-h">
            <h2 id="secret-h">Signing secret for ${secret.url}</h2>
            <p><strong>Copy it now: it is shown only once.</strong></p>
            <div class="copy-row">
              <input id="new-secret" class="mono" readonly value="${secret.secret}" aria-label="The signing secret" />
              <button type="button" data-copy="new-secret">Copy</button>
            </div>
          </section>`
        : null
    }
      <details class="panel">
        <summary><h2>New endpoint</h2></summary>
        <form method="post" action="/app/webhooks" class="grid-form">
          ${csrfField(ctx)}
          <label for="w-url">URL</label>
          <input id="w-url" name="url" type="url" required placeholder="https://example.com/iris" />
          <label for="w-events">Events</label>
          <select id="w-events" name="events" multiple size="6" aria-describedby="w-events-help">
            <option value="*" selected>* (every event)</option>
            ${EVENT_TYPES.map((event) => html`<option value="${event}">${event}</option>`)}
          </select>
          <small id="w-events-help">Hold Ctrl or ⌘ to choose several.</small>
          <label for="w-description">Description</label>
          <input id="w-description" name="description" maxlength="500" />
          <button type="submit" class="primary">Add endpoint</button>
        </form>
      </details>
      ${endpoints.length === 0 ? html`<p class="empty">No endpoints.</p>` : null}
      <ul class="list endpoints">
        ${endpoints.map(
          (endpoint) => html`<li class="item">
            <a href="${`/app/webhooks?id=${endpoint.id}`}" ${attr('aria-current', open?.endpoint.id === endpoint.id, 'true')}><code>${endpoint.url}</code></a>
            <span class="${`status status-${endpoint.enabled ? 'active' : 'paused'}`}">${endpoint.enabled ? 'enabled' : `disabled${endpoint.disabled_reason ? ` (${endpoint.disabled_reason})` : ''}`}</span>
            <p class="meta">${endpoint.description ?? ''} ${endpoint.events.join(', ')}</p>
          </li>`,
        )}
      </ul>
      ${
        open
          ? html`<section aria-labelledby="deliveries-h">
            <h2 id="deliveries-h">Recent deliveries to <code>${open.endpoint.url}</code></h2>
            ${
              open.deliveries.length === 0
                ? html`<p class="empty">No deliveries yet.</p>`
                : html`<div class="table-wrap"><table>
                  <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Response</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
                  <tbody>
                    ${open.deliveries.map(
                      (delivery) => html`<tr>
                        <td>${when(delivery.created_at)}</td>
                        <td>${delivery.event}</td>
                        <td><span class="${`status status-${delivery.status}`}">${delivery.status}</span></td>
                        <td>${delivery.attempts} / ${delivery.max_attempts}</td>
                        <td>${delivery.response_status ?? delivery.error ?? '—'}</td>
                        <td>
                          <form method="post" action="${`/app/webhooks/${open.endpoint.id}/deliveries/${delivery.id}/redeliver`}">
                            ${csrfField(ctx)}
                            <button type="submit">Redeliver</button>
                          </form>
                        </td>
                      </tr>`,
                    )}
                  </tbody>
                </table></div>`
            }
          </section>`
          : null
      }`,
    flash,
  );
}
