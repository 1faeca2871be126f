/**
 * The dashboard's main path in a real browser, on the offline adapters: create a key and see it once,
 * create a campaign and activate it (sample discovery finds contacts, the offline drafter writes
 * drafts), then approve, reject, revise and bulk-decide drafts from the review queue, with the
 * keyboard too; import contacts from a CSV. Screenshots of each page go to __screenshots__/.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jobs } from '../../db/schema-jobs.ts';
import { messages } from '../../db/schema-messages.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { launchChromium, newContext, screenshot, signIn } from './browser.ts';

let server: TestServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchChromium()]);
  context = await newContext(browser);
  page = await context.newPage();
  await signIn(page, server.url, server.adminKey);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});
beforeEach(() => server.advance(61_000));

/** An approved draft is queued to be sent at once, and may be sent (to the local outbox) before we look. */
const APPROVED = ['approved', 'queued', 'sent', 'delivered'];

async function statusOf(id: string): Promise<string | undefined> {
  const [row] = await server.services.db
    .select({ status: messages.status })
    .from(messages)
    .where(eq(messages.id, id));
  return row?.status;
}

async function draftIds(): Promise<string[]> {
  const drafts = await page.locator('article.draft').all();
  return Promise.all(drafts.map(async (draft) => (await draft.getAttribute('data-id')) ?? ''));
}

describe('the dashboard for a person', () => {
  it('creates a key and shows it once', async () => {
    await page.goto(`${server.url}/app/keys`);
    await page.getByText('New key').click();
    await page.getByLabel('Name').fill('Reviewer laptop');
    await page.getByLabel('send').check();
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect.poll(() => page.locator('#secret-h').textContent()).toContain('Reviewer laptop');
    const raw = await page.locator('#new-key').inputValue();
    expect(raw).toMatch(/^is_live_/);
    const me = await api(server.url, 'GET', '/keys/me', { key: raw });
    expect(me.body.data.scopes).toEqual(['read', 'send']);
    await screenshot(page, 'keys-new-key');
    await page.goto(`${server.url}/app/keys`);
    expect(await page.locator('#new-key').count()).toBe(0);
    expect(await page.content()).not.toContain(raw);
    expect(await page.locator('table.keys').textContent()).toContain('Reviewer laptop');
  });

  it('creates a campaign, activates it, and reviews its drafts', async () => {
    await page.goto(`${server.url}/app/campaigns`);
    await page.getByLabel('Name').fill('Austin bars');
    await page.getByLabel('Location').fill('Austin, TX');
    await page.getByLabel('Venue types').fill('cocktail bar');
    await page.getByLabel('Contacts to find').fill('5');
    // Refused (no channel): the API's code is shown and what was typed is still there to correct.
    await page.getByLabel('Email').uncheck();
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('SERVER_005');
    expect(await page.getByLabel('Name').inputValue()).toBe('Austin bars');
    expect(await page.getByLabel('Venue types').inputValue()).toBe('cocktail bar');
    expect(await page.getByLabel('Contacts to find').inputValue()).toBe('5');
    await page.getByLabel('Email').check();
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await expect.poll(() => page.locator('h1').textContent()).toBe('Austin bars');
    expect(await page.getByRole('status').first().textContent()).toContain('Campaign created');
    await page.getByRole('button', { name: 'Activate' }).click();
    await expect.poll(() => page.locator('.status').first().textContent()).toBe('active');

    // The engine runs as jobs: wait until discovery and drafting are done.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const open = await server.services.db
        .select({ id: jobs.id })
        .from(jobs)
        .where(
          and(
            inArray(jobs.kind, ['campaign.run', 'campaign.draft']),
            inArray(jobs.state, ['queued', 'running']),
          ),
        );
      const pending = await server.services.db
        .select({ id: messages.id })
        .from(messages)
        .where(eq(messages.status, 'pending_approval'));
      if (open.length === 0 && pending.length >= 4) break;
      if (Date.now() > deadline) throw new Error('the campaign drafted nothing');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    server.advance(61_000);
    await page.reload();
    expect(await page.locator('table tbody tr').count()).toBeGreaterThan(0);
    // The timeline tells who changed what (the audit log, read with this admin key).
    expect(await page.locator('ol.timeline').textContent()).toContain('Status: draft → active');
    await screenshot(page, 'campaign');
    await page.goto(`${server.url}/app/campaigns`);
    expect(await page.locator('.stages').first().textContent()).toContain('pending approval');
    await screenshot(page, 'campaigns');

    await page.goto(`${server.url}/app/review`);
    expect(await page.locator('section.group h2').first().textContent()).toContain('Austin bars');
    await screenshot(page, 'review');
    const ids = await draftIds();
    expect(ids.length).toBeGreaterThanOrEqual(4);
    const [first, second, third, fourth] = ids as [string, string, string, string];

    // Edit, then approve, in place: the edited text is what goes; the draft stays in the history.
    const card = page.locator(`#draft-${first}`);
    await card.getByText('Edit, then approve').click();
    await page.locator(`#body-${first}`).fill('Hi {{first_name}}, Friday nights are open.');
    await card.getByRole('button', { name: 'Approve the edited message' }).click();
    await expect.poll(() => page.locator(`#draft-${first}`).count()).toBe(0);
    expect(APPROVED).toContain(await statusOf(first));
    const [edited] = await server.services.db.select().from(messages).where(eq(messages.id, first));
    // (Sent to the outbox by now, perhaps, with the variable rendered.)
    expect(edited?.body).toMatch(/^Hi (\{\{first_name\}\}|\S+), Friday nights are open\.$/);
    expect(edited?.history).toHaveLength(1);

    // Reject with a reason.
    await page.locator(`#reason-${second}`).fill('Wrong venue');
    await page
      .locator(`#draft-${second}`)
      .getByRole('button', { name: /Reject/ })
      .click();
    await expect.poll(() => page.locator(`#draft-${second}`).count()).toBe(0);
    expect(await statusOf(second)).toBe('rejected');
    // The per-campaign counts follow the in-place actions.
    const counts = await page.locator('.group-count').allTextContents();
    expect(counts.map(Number).reduce((sum, n) => sum + n, 0)).toBe(
      await page.locator('article.draft').count(),
    );

    // Feedback: the revised draft shows the new version above the previous one.
    const before = await page.locator(`#draft-${third} .version.current .body`).textContent();
    await page.locator(`#feedback-${third}`).fill('Shorter, and mention Friday nights');
    await page.locator(`#draft-${third}`).getByRole('button', { name: 'Revise' }).click();
    await expect
      .poll(() => page.locator(`#draft-${third} .version.previous .body`).textContent())
      .toBe(before);
    expect(await page.locator(`#draft-${third} .version.previous`).textContent()).toContain(
      'mention Friday nights',
    );
    await screenshot(page, 'review-revised');

    // Keyboard: j moves to the first draft, a approves it.
    await page.locator('h1').click();
    await page.keyboard.press('j');
    const focused = await page.evaluate<string | undefined>('document.activeElement?.dataset.id');
    expect(focused).toBe(third);
    await page.keyboard.press('a');
    await expect.poll(async () => APPROVED.includes((await statusOf(third)) ?? '')).toBe(true);

    // Bulk: select the rest and reject them with a reason.
    server.advance(61_000);
    await page.reload();
    const rest = await draftIds();
    expect(rest).toContain(fourth);
    await page.getByLabel('Select all').check();
    await page.getByLabel('Reason (for reject)').fill('Not this week');
    await page.getByRole('button', { name: 'Reject selected' }).click();
    await expect
      .poll(() => page.getByRole('status').first().textContent())
      .toContain('Selected drafts updated');
    for (const id of rest) expect(await statusOf(id)).toBe('rejected');
    expect(await page.locator('article.draft').count()).toBe(0);
  });

  it('imports contacts from a CSV in the browser, with a result per row', async () => {
    server.advance(61_000);
    await page.goto(`${server.url}/app/contacts`);
    await page.getByText('Import a CSV').click();
    const csv =
      'email,first_name,company,tags\nana@example.com,Ana,Bar One,vip;austin\nnot-an-email,Bad,,\nbo@example.com,Bo,Bar Two,\n';
    await page
      .getByLabel('CSV file')
      .setInputFiles({ name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect.poll(() => page.locator('#import-summary').textContent()).toContain('3 rows read');
    expect(await page.locator('#import-preview tbody tr').count()).toBe(3);
    await page.getByRole('button', { name: 'Import' }).click();
    await expect.poll(() => page.locator('#import-results tbody tr').count()).toBe(3);
    expect(await page.locator('#import-results tbody tr.result-invalid').count()).toBe(1);
    expect(await page.locator('#import-results tbody tr.result-created').count()).toBe(2);
    await screenshot(page, 'contacts-import');
    await page.goto(`${server.url}/app/contacts?search=ana`);
    expect(await page.locator('table.contacts').textContent()).toContain('ana@example.com');
  });

  it('shows conversations and webhooks, and works 375 px wide', async () => {
    const narrow = await newContext(browser, true);
    const small = await narrow.newPage();
    await signIn(small, server.url, server.adminKey);
    for (const [path, name] of [
      ['/app/review', 'review-375'],
      ['/app/campaigns', 'campaigns-375'],
      ['/app/conversations', 'conversations'],
      ['/app/webhooks', 'webhooks'],
    ] as const) {
      server.advance(61_000);
      await small.goto(`${server.url}${path}`);
      expect(await small.locator('.banner.error').count()).toBe(0);
      const overflow = await small.evaluate<number>(
        'document.documentElement.scrollWidth - window.innerWidth',
      );
      expect(overflow, path).toBeLessThanOrEqual(0);
      await screenshot(small, name);
    }
    await narrow.close();
  });
});
