/** The campaigns list (status, progress from usage, pause/resume/delete, the create form) and one campaign's page. */
import { html, type Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import { csrfField, type Flash, layout } from './layout.ts';

export interface Campaign {
  id: string;
  name: string;
  objective_type: string;
  location: string | null;
  venue_types: string[];
  keywords: string[];
  max_results: number;
  outreach_channels: string[];
  status: string;
  approval_mode: string;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  analyzed_at: string | null;
}

export const STAGES = [
  'discovered',
  'drafted',
  'pending_approval',
  'approved',
  'sent',
  'failed',
  'replied',
] as const;

export interface Usage {
  allotment: { contacts: number; messages: number };
  used: { contacts: number; messages: number };
  stages: Record<(typeof STAGES)[number], number>;
}

export interface CampaignContact {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  source: string;
}

function stageList(usage: Usage): Node {
  return html`<dl class="stages">
    ${STAGES.map((stage) => html`<div><dt>${stage.replace('_', ' ')}</dt><dd>${usage.stages[stage]}</dd></div>`)}
  </dl>`;
}

function progress(usage: Usage | undefined): Node {
  if (!usage) return html`<span class="muted">—</span>`;
  return html`<label class="progress">
      <span>${usage.used.contacts} / ${usage.allotment.contacts} contacts</span>
      <progress max="${usage.allotment.contacts}" value="${usage.used.contacts}"></progress>
    </label>
    ${stageList(usage)}`;
}

export function statusControls(ctx: PageContext, campaign: Campaign, back: string): Node | null {
  if (!ctx.can('write')) return null;
  const target =
    campaign.status === 'active'
      ? { status: 'paused', label: 'Pause' }
      : campaign.status === 'paused'
        ? { status: 'active', label: 'Resume' }
        : campaign.status === 'draft'
          ? { status: 'active', label: 'Activate' }
          : undefined;
  return html`<div class="actions">
    ${
      target
        ? html`<form method="post" action="${`/app/campaigns/${campaign.id}/status`}">
          ${csrfField(ctx)}
          <input type="hidden" name="status" value="${target.status}" />
          <input type="hidden" name="back" value="${back}" />
          <button type="submit">${target.label}</button>
        </form>`
        : null
    }
    <form method="post" action="${`/app/campaigns/${campaign.id}/delete`}" data-confirm="${`Delete the campaign “${campaign.name}”?`}">
      ${csrfField(ctx)}
      <button type="submit" class="danger">Delete</button>
    </form>
  </div>`;
}

/** What a person typed into the create form, shown again when the API refused it. */
export interface CampaignDraftForm {
  name: string;
  objective_type: string;
  location: string;
  venue_types: string;
  keywords: string;
  max_results: string;
  outreach_channels: string[];
  approval_mode: string;
}

const EMPTY_FORM: CampaignDraftForm = {
  name: '',
  objective_type: 'product_promotion',
  location: '',
  venue_types: '',
  keywords: '',
  max_results: '10',
  outreach_channels: ['email'],
  approval_mode: 'manual',
};

function createForm(ctx: PageContext, idempotencyKey: string, typed: CampaignDraftForm | undefined): Node {
  const form = typed ?? EMPTY_FORM;
  const channel = (value: string, label: string) =>
    html`<label class="check"><input type="checkbox" name="outreach_channels" value="${value}" ${form.outreach_channels.includes(value) ? 'checked' : ''} /> ${label}</label>`;
  const mode = (value: string, label: string) =>
    html`<option value="${value}" ${form.approval_mode === value ? 'selected' : ''}>${label}</option>`;
  return html`<details class="panel" open>
    <summary><h2>New campaign</h2></summary>
    <form method="post" action="/app/campaigns" class="grid-form">
      ${csrfField(ctx)}
      <input type="hidden" name="idempotency_key" value="${idempotencyKey}" />
      <label for="c-name">Name</label>
      <input id="c-name" name="name" required maxlength="200" value="${form.name}" />
      <label for="c-objective">Objective</label>
      <input id="c-objective" name="objective_type" required pattern="[a-z][a-z0-9_]{1,63}" value="${form.objective_type}" aria-describedby="c-objective-help" />
      <small id="c-objective-help">A snake_case word, e.g. product_promotion or venue_dj.</small>
      <label for="c-location">Location</label>
      <input id="c-location" name="location" maxlength="200" placeholder="Austin, TX" value="${form.location}" />
      <label for="c-venues">Venue types</label>
      <input id="c-venues" name="venue_types" placeholder="cocktail bar, restaurant" aria-describedby="c-list-help" value="${form.venue_types}" />
      <label for="c-keywords">Keywords</label>
      <input id="c-keywords" name="keywords" placeholder="live music" aria-describedby="c-list-help" value="${form.keywords}" />
      <small id="c-list-help">Separate several with commas. With a location and venue types, activating the campaign finds contacts.</small>
      <label for="c-max">Contacts to find</label>
      <input id="c-max" name="max_results" type="number" min="1" max="500" value="${form.max_results}" />
      <fieldset>
        <legend>Channels</legend>
        ${channel('email', 'Email')} ${channel('instagram', 'Instagram')} ${channel('twitter', 'X')}
      </fieldset>
      <label for="c-approval">Approval</label>
      <select id="c-approval" name="approval_mode">
        ${mode('manual', 'manual: I approve every draft')} ${mode('auto', 'auto: drafts are sent as made')}
      </select>
      <button type="submit" class="primary">Create campaign</button>
    </form>
  </details>`;
}

export function campaignsPage(
  ctx: PageContext,
  rows: { campaign: Campaign; usage: Usage | undefined }[],
  nextCursor: string | null,
  idempotencyKey: string,
  flash: Flash,
  typed?: CampaignDraftForm,
): Node {
  return layout(
    ctx,
    'Campaigns',
    html`${ctx.can('write') ? createForm(ctx, idempotencyKey, typed) : null}
      ${rows.length === 0 ? html`<p class="empty">No campaigns yet.</p>` : null}
      <ul class="list campaigns">
        ${rows.map(
          ({ campaign, usage }) => html`<li class="item" data-campaign="${campaign.id}">
            <div class="item-head">
              <h2 class="item-title"><a href="${`/app/campaigns/${campaign.id}`}">${campaign.name}</a></h2>
              <span class="${`status status-${campaign.status}`}">${campaign.status}</span>
            </div>
            <p class="meta">${campaign.objective_type} · ${campaign.approval_mode} approval · ${campaign.outreach_channels.join(', ')}</p>
            ${progress(usage)} ${statusControls(ctx, campaign, '/app/campaigns')}
          </li>`,
        )}
      </ul>
      ${nextCursor ? html`<p><a href="${`/app/campaigns?cursor=${encodeURIComponent(nextCursor)}`}">Next page</a></p>` : null}`,
    flash,
  );
}

/** An audit-log entry as audit.list answers it (the fields the timeline shows). */
export interface AuditEntry {
  action: string;
  created_at: string;
  metadata: Record<string, unknown> | null;
}

/** A line of the timeline for an audited change, e.g. "Status: draft → active". */
function describeChange(entry: AuditEntry): string {
  const meta = entry.metadata ?? {};
  if (typeof meta.from === 'string' && typeof meta.to === 'string')
    return `Status: ${meta.from} → ${meta.to}`;
  const fields = Array.isArray(meta.fields) ? ` (${meta.fields.join(', ')})` : '';
  return `${entry.action.replaceAll('_', ' ')}${fields}`;
}

export function campaignPage(
  ctx: PageContext,
  campaign: Campaign,
  usage: Usage | undefined,
  contacts: CampaignContact[],
  flash: Flash,
  history: AuditEntry[] = [],
): Node {
  const changes = history.map((entry) => ({ label: describeChange(entry), at: entry.created_at }));
  const timeline = [
    { label: 'Created', at: campaign.created_at },
    { label: 'Analyzed', at: campaign.analyzed_at },
    ...(changes.length > 0 ? changes : [{ label: 'Last change', at: campaign.updated_at }]),
    { label: 'Completed', at: campaign.completed_at },
  ]
    .filter((entry): entry is { label: string; at: string } => entry.at !== null)
    .sort((a, b) => a.at.localeCompare(b.at));
  return layout(
    ctx,
    campaign.name,
    html`<p class="meta">
        <span class="${`status status-${campaign.status}`}">${campaign.status}</span> · ${campaign.objective_type} ·
        ${campaign.approval_mode} approval · ${campaign.location ?? 'no location'}
        ${campaign.venue_types.length > 0 ? html` · ${campaign.venue_types.join(', ')}` : null}
      </p>
      ${statusControls(ctx, campaign, `/app/campaigns/${campaign.id}`)}
      <p><a href="${`/app/review?campaign_id=${campaign.id}`}">Review this campaign’s drafts</a></p>
      <section aria-labelledby="usage-h">
        <h2 id="usage-h">Usage</h2>
        ${progress(usage)}
        ${usage ? html`<p>${usage.used.messages} / ${usage.allotment.messages} messages</p>` : null}
      </section>
      <section aria-labelledby="timeline-h">
        <h2 id="timeline-h">Timeline</h2>
        <ol class="timeline">
          ${timeline.map((entry) => html`<li><time datetime="${entry.at}">${entry.at.replace('T', ' ').slice(0, 16)}</time> ${entry.label}</li>`)}
        </ol>
      </section>
      <section aria-labelledby="contacts-h">
        <h2 id="contacts-h">Contacts</h2>
        ${
          contacts.length === 0
            ? html`<p class="empty">No contacts yet.</p>`
            : html`<div class="table-wrap"><table>
              <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Company</th><th scope="col">Source</th></tr></thead>
              <tbody>
                ${contacts.map(
                  (contact) => html`<tr>
                    <td>${[contact.first_name, contact.last_name].filter(Boolean).join(' ') || '—'}</td>
                    <td>${contact.email ?? '—'}</td>
                    <td>${contact.company ?? '—'}</td>
                    <td>${contact.source}</td>
                  </tr>`,
                )}
              </tbody>
            </table></div>`
        }
      </section>`,
    flash,
  );
}
