/**
 * The approval queue: pending drafts (by campaign), approve, reject, retry, feedback (an AI revision
 * that keeps the old version), bulk decisions with a result per id; events and audit rows; another
 * account's messages are 404 and never change. Drafts are written straight to the table here (the engine
 * that makes them is tested on its own).
 */
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.ts';
import { events } from '../../db/schema-events.ts';
import { aiGenerations, messages } from '../../db/schema-messages.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { EVENT_DATA } from '../../src/domain/events/event-types.ts';
import { emptyHome, json, runCli } from '../cli/support.ts';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
let approver: string;
let reader: string;
let stranger: { key: string; userId: string };

beforeAll(async () => {
  server = await startTestServer();
  approver = (await createKey(server.url, server.adminKey, ['read', 'send', 'generate'])).key;
  reader = (await createKey(server.url, server.adminKey, ['read'])).key;
  const other = await createAccount(server.services.db, 'messages-stranger@example.com');
  stranger = { key: other.key.key, userId: other.userId };
});
afterAll(() => server.close());

let serial = 0;

/** A campaign of `key`'s account with one contact and drafts in the given statuses. */
async function campaignWithDrafts(statuses: string[], key = server.adminKey, userId = server.ownerId) {
  server.advance(61_000);
  const campaign = await api(server.url, 'POST', '/campaigns', {
    key,
    body: { name: `queue ${++serial}`, objective_type: 'venue_dj', followup_days: [3, 7, 14] },
  });
  const campaignId = campaign.body.data.id as string;
  const contact = await api(server.url, 'POST', '/contacts', {
    key,
    body: {
      email: `queue-${serial}@example.com`,
      first_name: 'Nina',
      company: 'Blue Room',
      campaign_id: campaignId,
    },
  });
  const contactId = contact.body.data.id as string;
  const rows = await server.services.db
    .insert(messages)
    .values(
      statuses.map((status, step) => ({
        userId,
        campaignId,
        contactId,
        channel: 'email',
        direction: 'outbound',
        step,
        status,
        subject: `Step ${step}`,
        body: `Hi {{first_name}}, step ${step}.\n\nMore text here.`,
        createdAt: new Date(Date.now() + step),
      })),
    )
    .returning({ id: messages.id });
  return { campaignId, contactId, ids: rows.map((row) => row.id) };
}

const post = (path: string, body: unknown = {}, key = approver) =>
  api(server.url, 'POST', path, { key, body });

async function lastAudit(action: string) {
  const [row] = await server.services.db
    .select()
    .from(auditLog)
    .where(eq(auditLog.action, action))
    .orderBy(desc(auditLog.createdAt))
    .limit(1);
  return row;
}

async function eventsOf(messageId: string) {
  const rows = await server.services.db.select().from(events);
  return rows.filter((row) => (row.data as { id?: string }).id === messageId);
}

describe('messages.pending', () => {
  it('lists drafts waiting for approval, newest first, with their contact; filters by campaign', async () => {
    const { campaignId, ids } = await campaignWithDrafts(['pending_approval', 'pending_approval', 'queued']);
    const listed = await api(server.url, 'GET', `/messages/pending?campaign_id=${campaignId}`, {
      key: reader,
    });
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.data.map((m: { id: string }) => m.id)).toEqual([ids[1], ids[0]]);
    expect(listed.body.data[0]).toMatchObject({
      campaign_id: campaignId,
      status: 'pending_approval',
      contact: { first_name: 'Nina', company: 'Blue Room' },
      body: expect.stringContaining('{{first_name}}'),
      history: [],
    });
    const strangers = await api(server.url, 'GET', `/messages/pending?campaign_id=${campaignId}`, {
      key: stranger.key,
    });
    expect(strangers.status).toBe(404);
    const theirList = await api(server.url, 'GET', '/messages/pending', { key: stranger.key });
    expect(theirList.body.data).toEqual([]);
  });
});

describe('approve, reject, retry', () => {
  it('approves a pending draft once (queued, event, audit); a second approval is 409 MESSAGE_004', async () => {
    const { ids } = await campaignWithDrafts(['pending_approval']);
    const id = ids[0] as string;
    const approved = await post(`/messages/${id}/approve`);
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body.data).toMatchObject({ id, status: 'queued' });
    expect(approved.body.data.approved_at).not.toBeNull();
    const again = await post(`/messages/${id}/approve`);
    expect([again.status, again.body.error.code]).toEqual([409, 'MESSAGE_004']);
    const written = await eventsOf(id);
    expect(written.map((e) => e.type)).toEqual(['message.approved']);
    expect(EVENT_DATA['message.approved'].safeParse(written[0]?.data).success).toBe(true);
    expect((await lastAudit('approve_message'))?.resourceId).toBe(id);
  });

  it('approves an edited draft, keeping the draft in its history; an edit of a decided message changes nothing', async () => {
    const { ids } = await campaignWithDrafts(['pending_approval', 'queued']);
    const id = ids[0] as string;
    const approved = await post(`/messages/${id}/approve`, {
      subject: 'Friday?',
      body: 'Hi {{first_name}}, Friday works.',
    });
    expect(approved.status, approved.text).toBe(200);
    expect(approved.body.data).toMatchObject({
      status: 'queued',
      subject: 'Friday?',
      body: 'Hi {{first_name}}, Friday works.',
      history: [{ subject: 'Step 0', body: 'Hi {{first_name}}, step 0.\n\nMore text here.', feedback: null }],
    });
    expect((await lastAudit('approve_message'))?.metadata).toMatchObject({ edited: true });
    const late = await post(`/messages/${ids[1]}/approve`, { body: 'too late' });
    expect([late.status, late.body.error.code]).toEqual([409, 'MESSAGE_004']);
    const [row] = await server.services.db
      .select()
      .from(messages)
      .where(eq(messages.id, ids[1] as string));
    expect(row?.body).not.toBe('too late');
  });

  it('rejects with a reason; retries only failed messages', async () => {
    const { ids } = await campaignWithDrafts(['pending_approval', 'failed']);
    const rejected = await post(`/messages/${ids[0]}/reject`, { reason: 'wrong venue' });
    expect(rejected.body.data).toMatchObject({ status: 'rejected', rejection_reason: 'wrong venue' });
    expect((await eventsOf(ids[0] as string)).map((e) => e.type)).toEqual(['message.rejected']);
    const retried = await post(`/messages/${ids[1]}/retry`);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.data).toMatchObject({ status: 'queued', error_code: null });
    const notFailed = await post(`/messages/${ids[0]}/retry`);
    expect([notFailed.status, notFailed.body.error.code]).toEqual([409, 'MESSAGE_004']);
  });

  it('needs the send scope, and answers 404 MESSAGE_005 for another account’s, missing and malformed ids', async () => {
    const { ids } = await campaignWithDrafts(['pending_approval']);
    const id = ids[0] as string;
    expect((await post(`/messages/${id}/approve`, {}, reader)).status).toBe(403);
    for (const [target, key] of [
      [id, stranger.key],
      ['00000000-0000-4000-8000-000000000000', approver],
      ['nope', approver],
    ] as const) {
      const missing = await post(`/messages/${target}/approve`, {}, key);
      expect([missing.status, missing.body.error.code]).toEqual([404, 'MESSAGE_005']);
    }
    const [row] = await server.services.db.select().from(messages).where(eq(messages.id, id));
    expect(row?.status).toBe('pending_approval');
    const badReason = await post(`/messages/${id}/reject`, { reason: '' });
    expect(badReason.status).toBe(422);
  });
});

describe('messages.feedback', () => {
  it('writes a new version through the AI port and keeps the old one in the history', async () => {
    const { ids, campaignId } = await campaignWithDrafts(['pending_approval', 'rejected']);
    const id = ids[0] as string;
    const revised = await post(`/messages/${id}/feedback`, { feedback: 'make it shorter' });
    expect(revised.status, revised.text).toBe(200);
    expect(revised.body.data.feedback).toBe('make it shorter');
    expect(revised.body.data.body).not.toBe('Hi {{first_name}}, step 0.\n\nMore text here.');
    expect(revised.body.data.history).toEqual([
      {
        subject: 'Step 0',
        body: 'Hi {{first_name}}, step 0.\n\nMore text here.',
        feedback: null,
        replaced_at: expect.any(String),
      },
    ]);
    const second = await post(`/messages/${id}/feedback`, { feedback: 'mention the weekend slot' });
    expect(second.body.data.history).toHaveLength(2);
    expect(second.body.data.body).toContain('weekend slot');
    // A rejected draft may be revised: it waits for approval again.
    const reopened = await post(`/messages/${ids[1]}/feedback`, { feedback: 'try again, friendlier' });
    expect(reopened.body.data).toMatchObject({ status: 'pending_approval', rejection_reason: null });
    const generations = await server.services.db
      .select()
      .from(aiGenerations)
      .where(and(eq(aiGenerations.campaignId, campaignId), eq(aiGenerations.kind, 'revision')));
    expect(generations).toHaveLength(3);
    expect((await lastAudit('message_feedback'))?.resourceId).toBe(ids[1]);
  });

  it('refuses approved messages (409), missing feedback (422) and keys without generate (403)', async () => {
    const { ids } = await campaignWithDrafts(['queued', 'pending_approval']);
    const approved = await post(`/messages/${ids[0]}/feedback`, { feedback: 'x' });
    expect([approved.status, approved.body.error.code]).toEqual([409, 'MESSAGE_004']);
    expect((await post(`/messages/${ids[1]}/feedback`, {})).status).toBe(422);
    const sender = (await createKey(server.url, server.adminKey, ['read', 'send'])).key;
    expect((await post(`/messages/${ids[1]}/feedback`, { feedback: 'x' }, sender)).status).toBe(403);
  });
});

describe('messages.bulk', () => {
  it('decides each id once, with a result per id; other accounts’ ids are not found', async () => {
    const mine = await campaignWithDrafts(['pending_approval', 'pending_approval', 'queued']);
    const theirs = await campaignWithDrafts(['pending_approval'], stranger.key, stranger.userId);
    const ids = [...mine.ids, theirs.ids[0] as string, 'nope', mine.ids[0] as string];
    const decided = await post('/messages/bulk', { action: 'reject', ids, reason: 'not now' });
    expect(decided.status, decided.text).toBe(200);
    expect(decided.body.data).toEqual({
      approved: 0,
      rejected: 2,
      skipped: 3,
      results: [
        { id: mine.ids[0], result: 'rejected', status: null },
        { id: mine.ids[1], result: 'rejected', status: null },
        { id: mine.ids[2], result: 'not_pending', status: 'queued' },
        { id: theirs.ids[0], result: 'not_found', status: null },
        { id: 'nope', result: 'not_found', status: null },
      ],
    });
    const [theirRow] = await server.services.db
      .select()
      .from(messages)
      .where(eq(messages.id, theirs.ids[0] as string));
    expect(theirRow?.status).toBe('pending_approval');
    expect((await lastAudit('bulk_decide_messages'))?.metadata).toEqual({
      action: 'reject',
      approved: 0,
      rejected: 2,
      skipped: 3,
    });
    const tooMany = await post('/messages/bulk', {
      action: 'approve',
      ids: Array.from({ length: 101 }, (_, i) => `${i}`),
    });
    expect(tooMany.status).toBe(422);
  });

  it('CLI: iris messages bulk-approve --ids …', async () => {
    const { ids } = await campaignWithDrafts(['pending_approval', 'pending_approval']);
    const env = { IRIS_API_URL: server.url, IRIS_API_KEY: approver, HOME: emptyHome() };
    const result = await runCli(['messages', 'bulk-approve', '--ids', ids.join(',')], env);
    expect(result.code, result.stderr).toBe(0);
    expect(json(result)).toMatchObject({ approved: 2, rejected: 0, skipped: 0 });
  });
});
