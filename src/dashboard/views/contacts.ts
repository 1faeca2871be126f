/**
 * The contacts page: search, the list, and a CSV import (read and previewed in the browser with Papa
 * Parse, sent in batches of 500 as contacts.bulk_import, with a progress bar and a result per row).
 */
import { html, type Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import { csrfField, type Flash, layout } from './layout.ts';

export interface Contact {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  company: string | null;
  title: string | null;
  source: string;
  tags: string[];
  unsubscribed_at: string | null;
}

function importPanel(ctx: PageContext, campaigns: { id: string; name: string }[]): Node {
  return html`<details class="panel" id="import-panel">
    <summary><h2>Import a CSV</h2></summary>
    <form id="import-form" class="grid-form" data-import>
      ${csrfField(ctx)}
      <label for="csv-file">CSV file</label>
      <input id="csv-file" name="file" type="file" accept=".csv,text/csv" required aria-describedby="csv-help" />
      <small id="csv-help">A header row naming columns among: email, first_name, last_name, company, title, phone, website, instagram_handle, x_handle, location, tags (separated by ;). Other columns are left out.</small>
      <label for="csv-campaign">Add to campaign (optional)</label>
      <select id="csv-campaign" name="campaign_id">
        <option value="">none</option>
        ${campaigns.map((c) => html`<option value="${c.id}">${c.name}</option>`)}
      </select>
      <button type="submit" class="primary" id="import-start" disabled>Import</button>
    </form>
    <p id="import-summary" role="status"></p>
    <progress id="import-progress" max="1" value="0" hidden></progress>
    <div class="table-wrap"><table id="import-preview" hidden>
      <caption>Preview</caption>
      <thead></thead>
      <tbody></tbody>
    </table></div>
    <div class="table-wrap"><table id="import-results" hidden>
      <caption>Result per row</caption>
      <thead><tr><th scope="col">Row</th><th scope="col">Email</th><th scope="col">Result</th><th scope="col">Reason</th></tr></thead>
      <tbody></tbody>
    </table></div>
  </details>`;
}

export function contactsPage(
  ctx: PageContext,
  search: string,
  contacts: Contact[],
  nextCursor: string | null,
  campaigns: { id: string; name: string }[],
  flash: Flash,
): Node {
  return layout(
    ctx,
    'Contacts',
    html`<form method="get" action="/app/contacts" class="search" role="search">
        <label for="search">Search contacts</label>
        <input id="search" name="search" type="search" value="${search}" maxlength="200" />
        <button type="submit">Search</button>
      </form>
      ${ctx.can('write') ? importPanel(ctx, campaigns) : null}
      ${
        contacts.length === 0
          ? html`<p class="empty">${search ? 'No contact matches.' : 'No contacts yet.'}</p>`
          : html`<div class="table-wrap"><table class="contacts">
            <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Company</th><th scope="col">Title</th><th scope="col">Tags</th><th scope="col">Source</th></tr></thead>
            <tbody>
              ${contacts.map(
                (contact) => html`<tr>
                  <td class="contact-name">${[contact.first_name, contact.last_name].filter(Boolean).join(' ') || '—'}${contact.unsubscribed_at ? html` <small class="status">unsubscribed</small>` : null}</td>
                  <td>${contact.email ?? '—'}</td>
                  <td>${contact.company ?? '—'}</td>
                  <td>${contact.title ?? '—'}</td>
                  <td>${contact.tags.join(', ')}</td>
                  <td>${contact.source}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`
      }
      ${
        nextCursor
          ? html`<p><a href=${`/app/contacts?${new URLSearchParams({ ...(search ? { search } : {}), cursor: nextCursor }).toString()}`}>Next page</a></p>`
          : null
      }`,
    flash,
    ctx.can('write') ? ['papaparse.min.js', 'import.js'] : [],
  );
}
