/**
 * The review queue: pending drafts grouped by campaign, each with approve, reject (with a reason) and
 * feedback for an AI revision, whose earlier version stays visible beside the new one; checkboxes for
 * bulk approve or reject; keyboard shortcuts j/k/a/r (assets/app.js).
 */
import { html, type Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import { csrfField, type Flash, layout } from './layout.ts';

export interface Draft {
  id: string;
  campaign_id: string | null;
  contact: {
    email: string | null;
    first_name: string | null;
    last_name: string | null;
    company: string | null;
  };
  channel: string;
  step: number | null;
  subject: string | null;
  body: string;
  feedback: string | null;
  history: { subject: string | null; body: string; feedback: string | null; replaced_at: string }[];
  created_at: string;
}

export interface DraftGroup {
  campaignId: string | null;
  campaignName: string;
  drafts: Draft[];
}

function contactName(draft: Draft): string {
  const name = [draft.contact.first_name, draft.contact.last_name].filter(Boolean).join(' ');
  return name || draft.contact.email || 'unnamed contact';
}

function draftCard(ctx: PageContext, draft: Draft): Node {
  const titleId = `draft-title-${draft.id}`;
  const previous = draft.history.at(-1);
  return html`<article class="draft" id="${`draft-${draft.id}`}" data-id="${draft.id}" tabindex="-1" aria-labelledby="${titleId}">
    <header class="draft-head">
      ${
        ctx.can('send')
          ? html`<input
            type="checkbox"
            form="bulk"
            name="ids"
            value="${draft.id}"
            id="${`select-${draft.id}`}"
            aria-label="${`Select the draft to ${contactName(draft)}`}"
          />`
          : null
      }
      <h3 id="${titleId}">
        To <span class="contact">${contactName(draft)}</span>
        ${draft.contact.email ? html` <small>${draft.contact.email}</small>` : null}
      </h3>
      <p class="meta">
        ${draft.contact.company ? html`<span>${draft.contact.company}</span> · ` : null}<span class="chip">${draft.channel}</span>
        ${draft.step !== null ? html` · <span>step ${draft.step}</span>` : null}
      </p>
    </header>
    <div class="version current">
      ${previous ? html`<p class="version-label">New version</p>` : null}
      ${draft.subject ? html`<p class="subject"><strong>${draft.subject}</strong></p>` : null}
      <div class="body">${draft.body}</div>
    </div>
    ${
      previous
        ? html`<div class="version previous">
          <p class="version-label">Previous version${draft.feedback ? html` — feedback: <q>${draft.feedback}</q>` : null}</p>
          ${previous.subject ? html`<p class="subject"><strong>${previous.subject}</strong></p>` : null}
          <div class="body">${previous.body}</div>
        </div>`
        : null
    }
    <div class="draft-error" role="alert"></div>
    <div class="actions">
      ${
        ctx.can('send')
          ? html`<form method="post" action="${`/app/review/${draft.id}/approve`}" data-inplace="remove">
              ${csrfField(ctx)}
              <button type="submit" class="primary" data-key="a">Approve <kbd>a</kbd></button>
            </form>
            <details class="edit">
              <summary>Edit, then approve</summary>
              <form method="post" action="${`/app/review/${draft.id}/approve`}" data-inplace="remove">
                ${csrfField(ctx)}
                ${
                  draft.channel === 'email'
                    ? html`<label for="${`subject-${draft.id}`}">Subject</label>
                      <input id="${`subject-${draft.id}`}" name="subject" maxlength="500" required value="${draft.subject ?? ''}" />`
                    : null
                }
                <label for="${`body-${draft.id}`}">Message</label>
                <textarea id="${`body-${draft.id}`}" name="body" rows="6" required maxlength="20000">${draft.body}</textarea>
                <button type="submit" class="primary">Approve the edited message</button>
              </form>
            </details>
            <form method="post" action="${`/app/review/${draft.id}/reject`}" data-inplace="remove" class="reject">
              ${csrfField(ctx)}
              <label for="${`reason-${draft.id}`}">Reason</label>
              <input id="${`reason-${draft.id}`}" name="reason" maxlength="500" placeholder="optional" />
              <button type="submit" class="danger" data-key="r">Reject <kbd>r</kbd></button>
            </form>`
          : null
      }
      ${
        ctx.can('generate')
          ? html`<form method="post" action="${`/app/review/${draft.id}/feedback`}" data-inplace="revise" class="feedback">
            ${csrfField(ctx)}
            <label for="${`feedback-${draft.id}`}">Feedback for an AI revision</label>
            <textarea id="${`feedback-${draft.id}`}" name="feedback" rows="2" required maxlength="2000"></textarea>
            <button type="submit">Revise</button>
          </form>`
          : null
      }
    </div>
  </article>`;
}

export function reviewPage(ctx: PageContext, groups: DraftGroup[], more: boolean, flash: Flash): Node {
  const total = groups.reduce((sum, group) => sum + group.drafts.length, 0);
  return layout(
    ctx,
    'Review queue',
    html`<p class="lede"><span id="pending-count">${total}${more ? '+' : ''}</span> drafts waiting. Keys: <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>a</kbd> approve, <kbd>r</kbd> reject.</p>
      ${
        total === 0
          ? html`<p class="empty">Nothing to review. Drafts of active campaigns in manual approval mode appear here.</p>`
          : null
      }
      ${
        ctx.can('send') && total > 0
          ? html`<form id="bulk" method="post" action="/app/review/bulk" class="toolbar">
            ${csrfField(ctx)}
            <label class="check"><input type="checkbox" id="select-all" /> Select all</label>
            <label for="bulk-reason">Reason (for reject)</label>
            <input id="bulk-reason" name="reason" maxlength="500" />
            <button type="submit" name="action" value="approve" class="primary">Approve selected</button>
            <button type="submit" name="action" value="reject" class="danger">Reject selected</button>
          </form>`
          : null
      }
      ${groups.map(
        (group) => html`<section class="group" aria-labelledby="${`group-${group.campaignId ?? 'none'}`}">
          <h2 id="${`group-${group.campaignId ?? 'none'}`}">
            ${
              group.campaignId
                ? html`<a href="${`/app/campaigns/${group.campaignId}`}">${group.campaignName}</a>`
                : group.campaignName
            }
            <small> (<span class="group-count">${group.drafts.length}</span>)</small>
          </h2>
          ${group.drafts.map((draft) => draftCard(ctx, draft))}
        </section>`,
      )}`,
    flash,
  );
}
