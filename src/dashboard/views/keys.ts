/** The keys page: every key of the account, the create form, rotate and revoke; a new key's secret is shown once. */
import { attr, html, type Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import { csrfField, type Flash, layout } from './layout.ts';

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  status: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

export interface NewSecret {
  name: string;
  key: string;
  /** What made it: a new key, or a rotation (the old key is then revoked). */
  kind: 'created' | 'rotated';
}

const SCOPES = ['read', 'write', 'generate', 'send', 'admin', '*'] as const;

function secretPanel(secret: NewSecret): Node {
  return html`<section class="panel secret" aria-labelledby="secret-h">
    <h2 id="secret-h">${secret.kind === 'created' ? 'New key' : 'Rotated key'}: ${secret.name}</h2>
    <p><strong>Copy it now: it is shown only once.</strong> ${secret.kind === 'rotated' ? 'The old key no longer works.' : ''}</p>
    <div class="copy-row">
      <input id="new-key" class="mono" readonly value="${secret.key}" aria-label="The new API key" />
      <button type="button" data-copy="new-key">Copy</button>
    </div>
  </section>`;
}

export function keysPage(
  ctx: PageContext,
  keys: ApiKeyView[],
  secret: NewSecret | undefined,
  flash: Flash,
): Node {
  return layout(
    ctx,
    'API keys',
    html`${secret ? secretPanel(secret) : null}
      <details class="panel">
        <summary><h2>New key</h2></summary>
        <form method="post" action="/app/keys" class="grid-form">
          ${csrfField(ctx)}
          <label for="k-name">Name</label>
          <input id="k-name" name="name" required maxlength="100" />
          <fieldset>
            <legend>Scopes</legend>
            ${SCOPES.map(
              (scope) =>
                html`<label class="check"><input type="checkbox" name="scopes" value="${scope}" ${attr('checked', scope === 'read')} /> ${scope === '*' ? '* (all)' : scope}</label>`,
            )}
          </fieldset>
          <label for="k-expires">Expires (optional)</label>
          <input id="k-expires" name="expires_at" type="date" />
          <button type="submit" class="primary">Create key</button>
        </form>
      </details>
      <div class="table-wrap">
        <table class="keys">
          <thead>
            <tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Scopes</th><th scope="col">Status</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
          </thead>
          <tbody>
            ${keys.map(
              (key) => html`<tr data-key-id="${key.id}">
                <td>${key.name}${key.id === ctx.session.keyId ? html` <small>(this session)</small>` : null}</td>
                <td><code>${key.prefix}…</code></td>
                <td>${key.scopes.join(' ')}</td>
                <td><span class="${`status status-${key.status}`}">${key.status}</span></td>
                <td>${key.last_used_at ? key.last_used_at.replace('T', ' ').slice(0, 16) : '—'}</td>
                <td class="actions">
                  ${
                    key.status === 'active'
                      ? html`${
                          key.id !== ctx.session.keyId
                            ? html`<form method="post" action="${`/app/keys/${key.id}/rotate`}" data-confirm="${`Rotate “${key.name}”? The old key stops working.`}">
                              ${csrfField(ctx)}
                              <button type="submit">Rotate</button>
                            </form>`
                            : null
                        }
                        <form method="post" action="${`/app/keys/${key.id}/revoke`}" data-confirm="${`Revoke “${key.name}”? Anything using it stops working${key.id === ctx.session.keyId ? ', and this session ends' : ''}.`}">
                          ${csrfField(ctx)}
                          <button type="submit" class="danger">Revoke</button>
                        </form>`
                      : null
                  }
                </td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>`,
    flash,
  );
}
