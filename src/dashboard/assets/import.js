// CSV import on the contacts page: Papa Parse (served by this server) reads the file in the browser, a
// preview shows the first rows, then the rows go to /app/contacts/import (contacts.bulk_import) in
// batches of 500 with a progress bar, and each row's result fills a table.

const FIELDS = [
  'email',
  'first_name',
  'last_name',
  'company',
  'title',
  'phone',
  'website',
  'instagram_handle',
  'x_handle',
  'location',
  'tags',
];
const BATCH = 500;

function contactOf(row) {
  const contact = {};
  for (const [header, value] of Object.entries(row)) {
    const name = header.trim().toLowerCase().replace(/\s+/g, '_');
    if (!FIELDS.includes(name) || typeof value !== 'string' || value.trim() === '') continue;
    contact[name] =
      name === 'tags'
        ? value
            .split(/[;,]/)
            .map((tag) => tag.trim())
            .filter(Boolean)
        : value.trim();
  }
  return contact;
}

function cell(tag, text) {
  const element = document.createElement(tag);
  element.textContent = text;
  return element;
}

const form = document.getElementById('import-form');
if (form) {
  const fileInput = document.getElementById('csv-file');
  const start = document.getElementById('import-start');
  const summary = document.getElementById('import-summary');
  const progress = document.getElementById('import-progress');
  const preview = document.getElementById('import-preview');
  const results = document.getElementById('import-results');
  let contacts = [];

  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    start.disabled = true;
    if (!file) return;
    window.Papa.parse(file, {
      header: true,
      skipEmptyLines: 'greedy',
      complete: (parsed) => {
        contacts = parsed.data.map(contactOf);
        const head = preview.querySelector('thead');
        const body = preview.querySelector('tbody');
        head.textContent = '';
        body.textContent = '';
        const headRow = document.createElement('tr');
        headRow.append(cell('th', 'Row'));
        for (const name of FIELDS) headRow.append(cell('th', name));
        head.append(headRow);
        contacts.slice(0, 10).forEach((contact, index) => {
          const row = document.createElement('tr');
          row.append(cell('td', String(index + 1)));
          for (const name of FIELDS) {
            const value = contact[name];
            row.append(cell('td', Array.isArray(value) ? value.join(', ') : (value ?? '')));
          }
          body.append(row);
        });
        preview.hidden = false;
        summary.textContent = `${contacts.length} rows read${parsed.errors.length ? `, ${parsed.errors.length} CSV problems` : ''}. Preview of the first ${Math.min(10, contacts.length)} below.`;
        start.disabled = contacts.length === 0;
      },
    });
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    start.disabled = true;
    const token = form.querySelector('input[name="_csrf"]').value;
    const campaignId = form.querySelector('select[name="campaign_id"]').value;
    const resultBody = results.querySelector('tbody');
    resultBody.textContent = '';
    results.hidden = false;
    progress.hidden = false;
    progress.max = contacts.length;
    progress.value = 0;
    const counts = { created: 0, merged: 0, invalid: 0 };
    for (let offset = 0; offset < contacts.length; offset += BATCH) {
      const batch = contacts.slice(offset, offset + BATCH);
      const response = await fetch('/app/contacts/import', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': token },
        body: JSON.stringify({ contacts: batch, campaign_id: campaignId }),
      });
      const answer = await response.json();
      if (!answer.ok) {
        summary.textContent = `Stopped at row ${offset + 1}: ${answer.error.code} ${answer.error.message}`;
        start.disabled = false;
        return;
      }
      for (const row of answer.data.results) {
        counts[row.result] += 1;
        const line = document.createElement('tr');
        line.className = `result-${row.result}`;
        line.append(
          cell('td', String(offset + row.index + 1)),
          cell('td', batch[row.index].email ?? ''),
          cell('td', row.result),
          cell('td', row.reason ?? ''),
        );
        resultBody.append(line);
      }
      progress.value = Math.min(contacts.length, offset + batch.length);
      summary.textContent = `Imported ${progress.value} of ${contacts.length}: ${counts.created} created, ${counts.merged} merged, ${counts.invalid} invalid.`;
    }
    start.disabled = false;
  });
}
