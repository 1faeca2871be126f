/**
 * Conversations over REST: list with its filters (channel, campaign, unread) and pagination, one
 * conversation with its contact and counts, its messages in the order they happened (ours and the
 * replies), mark read (unread to 0, idempotent, audited), engagement per channel. Another account's or
 * an agent's conversation, a deleted contact's and a malformed id are 404 CONVERSATION_001.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.ts';
import { contacts, conversations } from '../../db/schema-contacts.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { agentWithKey } from '../helpers/agent-key.ts';
import { type ApiResponse, api, createKey, expectErrorEnvelope } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { type Owner, seeder } from './seed.ts';

let server: TestServer;
let seed: ReturnType<typeof seeder>;
let owner: Owner;
let reader: string;
let stranger: { owner: Owner; key: string };
let agent: { owner: Owner; key: string };

const T0 = Date.parse('2026-02-02T09:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

beforeAll(async () => {
  server = await startTestServer();
  seed = seeder(server.services.db);
  owner = { userId: server.ownerId, agentIdentityId: null };
  reader = (await createKey(server.url, server.adminKey, ['read'])).key;
  const other = await createAccount(server.services.db, 'conversations-stranger@example.com');
  stranger = { owner: { userId: other.userId, agentIdentityId: null }, key: other.key.key };
  const { identityId, agentKey } = await agentWithKey(
    server,
    '0x00000000000000000000000000000000000c0a11',
    'conversations agent',
  );
  agent = {
    owner: { userId: server.services.systemUserId, agentIdentityId: identityId },
    key: agentKey.key,
  };
});
afterAll(() => server.close());
beforeEach(() => server.advance(61_000));

const get = (key: string, path: string) => api(server.url, 'GET', path, { key });
const ids = (response: ApiResponse) => response.body.data.map((row: { id: string }) => row.id);

function expectNotFound(response: ApiResponse) {
  expect(response.status, response.text).toBe(404);
  expectErrorEnvelope(response, 'CONVERSATION_001');
}

/** A fresh account with its admin key, so a test starts from no conversations. */
let accounts = 0;
async function freshAccount(): Promise<{ owner: Owner; key: string }> {
  accounts += 1;
  const created = await createAccount(server.services.db, `conversations-${accounts}@example.com`);
  return { owner: { userId: created.userId, agentIdentityId: null }, key: created.key.key };
}

describe('conversations.list', () => {
  it('lists the account’s conversations newest first, filtered by channel, campaign and unread, paginated', async () => {
    const account = await freshAccount();
    const spring = await seed.campaign(account.owner, { name: 'spring' });
    const autumn = await seed.campaign(account.owner, { name: 'autumn' });
    const ada = await seed.contact(account.owner, { firstName: 'Ada', instagramHandle: 'ada.ig' });
    const bo = await seed.contact(account.owner, { firstName: 'Bo' });
    const a = await seed.conversation(account.owner, ada.id, {
      campaignId: spring.id,
      createdAt: at(1),
    });
    const b = await seed.conversation(account.owner, ada.id, {
      campaignId: spring.id,
      channel: 'instagram',
      unreadCount: 2,
      createdAt: at(2),
    });
    const c = await seed.conversation(account.owner, bo.id, {
      campaignId: autumn.id,
      unreadCount: 1,
      createdAt: at(3),
    });
    const d = await seed.conversation(account.owner, bo.id, { channel: 'twitter', createdAt: at(4) });
    // Rows the account must never see: another account's, an agent's, and one whose contact is deleted.
    const theirs = await seed.contact(stranger.owner);
    await seed.conversation(stranger.owner, theirs.id, { createdAt: at(5) });
    const agents = await seed.contact(agent.owner);
    await seed.conversation(agent.owner, agents.id, { createdAt: at(6) });
    const gone = await seed.contact(account.owner, { deletedAt: at(0) });
    await seed.conversation(account.owner, gone.id, { createdAt: at(7) });

    const all = await get(account.key, '/conversations');
    expect(all.status, all.text).toBe(200);
    expect(ids(all)).toEqual([d.id, c.id, b.id, a.id]);
    expect(all.body.data[2]).toEqual({
      id: b.id,
      contact_id: ada.id,
      campaign_id: spring.id,
      channel: 'instagram',
      unread_count: 2,
      last_message_at: null,
      created_at: at(2).toISOString(),
      updated_at: expect.any(String),
      contact: {
        id: ada.id,
        email: ada.email,
        first_name: 'Ada',
        last_name: null,
        company: null,
        instagram_handle: 'ada.ig',
        x_handle: null,
      },
    });
    expect(all.body.meta.pagination).toEqual({ limit: 20, has_more: false, next_cursor: null });

    expect(ids(await get(account.key, '/conversations?channel=email'))).toEqual([c.id, a.id]);
    expect(ids(await get(account.key, `/conversations?campaign_id=${spring.id}`))).toEqual([b.id, a.id]);
    expect(ids(await get(account.key, '/conversations?unread=true'))).toEqual([c.id, b.id]);
    expect(ids(await get(account.key, '/conversations?unread=false'))).toEqual([d.id, a.id]);
    expect(ids(await get(account.key, `/conversations?campaign_id=${autumn.id}&unread=true`))).toEqual([
      c.id,
    ]);

    const first = await get(account.key, '/conversations?limit=3');
    expect(ids(first)).toEqual([d.id, c.id, b.id]);
    expect(first.body.meta.pagination.has_more).toBe(true);
    const second = await get(
      account.key,
      `/conversations?limit=3&cursor=${first.body.meta.pagination.next_cursor}`,
    );
    expect(ids(second)).toEqual([a.id]);
    expect(second.body.meta.pagination).toEqual({ limit: 3, has_more: false, next_cursor: null });
  });

  it('refuses a bad channel, another account’s campaign and a broken cursor', async () => {
    const bad = await get(reader, '/conversations?channel=fax');
    expect(bad.status).toBe(422);
    expectErrorEnvelope(bad, 'SERVER_005');
    const theirs = await seed.campaign(stranger.owner);
    const foreign = await get(reader, `/conversations?campaign_id=${theirs.id}`);
    expect(foreign.status).toBe(404);
    expectErrorEnvelope(foreign, 'CAMP_001');
    const cursor = await get(reader, '/conversations?cursor=not-a-cursor');
    expect(cursor.status).toBe(400);
    expectErrorEnvelope(cursor, 'SERVER_002');
  });

  it('shows an agent its identity’s conversations only, and the account none of them', async () => {
    const contact = await seed.contact(agent.owner);
    const held = await seed.conversation(agent.owner, contact.id, { channel: 'twitter' });
    const listed = await get(agent.key, '/conversations');
    expect(listed.status, listed.text).toBe(200);
    expect(ids(listed)).toContain(held.id);
    for (const row of listed.body.data) expect(row.contact_id).not.toBe(undefined);
    const mine = await get(server.adminKey, '/conversations');
    expect(ids(mine)).not.toContain(held.id);
    expectNotFound(await get(server.adminKey, `/conversations/${held.id}`));
  });
});

describe('conversations.get and conversations.messages', () => {
  it('gets a conversation with its contact and counts; messages in the order they happened', async () => {
    const contact = await seed.contact(owner, { firstName: 'Cleo', company: 'Blue Room' });
    const conversation = await seed.conversation(owner, contact.id, {
      unreadCount: 1,
      lastMessageAt: at(60 * 30),
      createdAt: at(0),
    });
    // The follow-up is drafted before the reply arrives but goes out after it.
    const first = await seed.outbound(owner, conversation, at(10));
    const followUp = await seed.outbound(owner, conversation, at(60 * 30), { createdAt: at(11), step: 1 });
    const reply = await seed.inbound(owner, conversation, at(60 * 5));
    const later = await seed.inbound(owner, conversation, at(60 * 31));

    const one = await get(reader, `/conversations/${conversation.id}`);
    expect(one.status, one.text).toBe(200);
    expect(one.body.data).toMatchObject({
      id: conversation.id,
      contact_id: contact.id,
      channel: 'email',
      unread_count: 1,
      last_message_at: at(60 * 30).toISOString(),
      contact: { id: contact.id, first_name: 'Cleo', company: 'Blue Room' },
      message_counts: { inbound: 2, outbound: 2 },
    });

    const thread = await get(reader, `/conversations/${conversation.id}/messages`);
    expect(thread.status, thread.text).toBe(200);
    expect(ids(thread)).toEqual([first.id, reply.id, followUp.id, later.id]);
    expect(thread.body.data.map((m: { direction: string }) => m.direction)).toEqual([
      'outbound',
      'inbound',
      'outbound',
      'inbound',
    ]);
    expect(thread.body.data[1]).toMatchObject({
      conversation_id: conversation.id,
      status: 'received',
      body: 'a reply',
      contact: { id: contact.id, first_name: 'Cleo' },
    });

    const page1 = await get(reader, `/conversations/${conversation.id}/messages?limit=3`);
    expect(ids(page1)).toEqual([first.id, reply.id, followUp.id]);
    expect(page1.body.meta.pagination.has_more).toBe(true);
    const page2 = await get(
      reader,
      `/conversations/${conversation.id}/messages?limit=3&cursor=${page1.body.meta.pagination.next_cursor}`,
    );
    expect(ids(page2)).toEqual([later.id]);
    expect(page2.body.meta.pagination.has_more).toBe(false);
  });

  it('answers 404 CONVERSATION_001 for other tenants’, deleted contacts’ and malformed ids', async () => {
    const theirs = await seed.contact(stranger.owner);
    const foreign = await seed.conversation(stranger.owner, theirs.id);
    await seed.inbound(stranger.owner, foreign, at(1));
    for (const path of [`/conversations/${foreign.id}`, `/conversations/${foreign.id}/messages`]) {
      expectNotFound(await get(reader, path));
      expectNotFound(await get(agent.key, path));
    }
    expect((await get(stranger.key, `/conversations/${foreign.id}`)).status).toBe(200);

    const contact = await seed.contact(owner);
    const held = await seed.conversation(owner, contact.id);
    expect((await get(reader, `/conversations/${held.id}`)).status).toBe(200);
    await server.services.db
      .update(contacts)
      .set({ deletedAt: at(0) })
      .where(eq(contacts.id, contact.id));
    expectNotFound(await get(reader, `/conversations/${held.id}`));

    expectNotFound(await get(reader, '/conversations/not-a-uuid'));
    expectNotFound(await get(reader, '/conversations/00000000-0000-4000-8000-000000000000/messages'));
  });
});

describe('conversations.mark_read', () => {
  const markRead = (key: string, id: string) => api(server.url, 'POST', `/conversations/${id}/read`, { key });

  it('sets unread to 0, then changes nothing when called again; audited', async () => {
    const contact = await seed.contact(owner);
    const conversation = await seed.conversation(owner, contact.id, {
      unreadCount: 3,
      updatedAt: at(0),
    });
    const unreadBefore = ids(await get(reader, '/conversations?unread=true'));
    expect(unreadBefore).toContain(conversation.id);

    const first = await markRead(server.adminKey, conversation.id);
    expect(first.status, first.text).toBe(200);
    expect(first.body.data).toMatchObject({ id: conversation.id, unread_count: 0 });
    expect(first.body.data.updated_at).not.toBe(at(0).toISOString());
    const again = await markRead(server.adminKey, conversation.id);
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual(first.body.data);

    expect(ids(await get(reader, '/conversations?unread=true'))).not.toContain(conversation.id);
    expect((await get(reader, `/conversations/${conversation.id}`)).body.data.unread_count).toBe(0);
    const audit = await server.services.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'mark_conversation_read'), eq(auditLog.resourceId, conversation.id)));
    expect(audit).toHaveLength(2);
  });

  it('is 404 on another tenant’s conversation and leaves it unread; needs the write scope', async () => {
    const theirs = await seed.contact(stranger.owner);
    const foreign = await seed.conversation(stranger.owner, theirs.id, { unreadCount: 2 });
    expectNotFound(await markRead(server.adminKey, foreign.id));
    expectNotFound(await markRead(agent.key, foreign.id));
    expectNotFound(await markRead(server.adminKey, 'nope'));
    const [row] = await server.services.db
      .select({ unread: conversations.unreadCount })
      .from(conversations)
      .where(eq(conversations.id, foreign.id));
    expect(row?.unread).toBe(2);

    const contact = await seed.contact(owner);
    const mine = await seed.conversation(owner, contact.id, { unreadCount: 1 });
    const refused = await markRead(reader, mine.id);
    expect(refused.status).toBe(403);
  });
});

describe('conversations.engagement', () => {
  it('counts sends, deliveries, opens, bounces and replies per channel, optionally for one campaign', async () => {
    const account = await freshAccount();
    const empty = await get(account.key, '/conversations/engagement');
    expect(empty.status, empty.text).toBe(200);
    const zero = {
      sent: 0,
      delivered: 0,
      opened: 0,
      bounced: 0,
      contacts_sent: 0,
      replied: 0,
      reply_rate: 0,
    };
    expect(empty.body.data).toEqual({
      campaign_id: null,
      totals: zero,
      by_channel: { email: zero, instagram: zero, twitter: zero },
    });

    const spring = await seed.campaign(account.owner);
    const ann = await seed.contact(account.owner, { instagramHandle: 'ann' });
    const ben = await seed.contact(account.owner);
    const annMail = await seed.conversation(account.owner, ann.id, { campaignId: spring.id });
    const annDm = await seed.conversation(account.owner, ann.id, { channel: 'instagram' });
    const benMail = await seed.conversation(account.owner, ben.id, { campaignId: spring.id });
    await seed.outbound(account.owner, annMail, at(0), {
      status: 'delivered',
      deliveredAt: at(1),
      openedAt: at(30),
    });
    await seed.inbound(account.owner, annMail, at(60));
    await seed.outbound(account.owner, annDm, at(5));
    await seed.inbound(account.owner, annDm, at(90));
    await seed.outbound(account.owner, benMail, null, { status: 'bounced', step: 0 });
    // A reply before anything was sent in the thread is not a reply to us.
    await seed.inbound(account.owner, benMail, at(-10));

    const all = await get(account.key, '/conversations/engagement');
    expect(all.body.data.totals).toEqual({
      sent: 2,
      delivered: 1,
      opened: 1,
      bounced: 1,
      contacts_sent: 1,
      replied: 1,
      reply_rate: 1,
    });
    expect(all.body.data.by_channel.email).toEqual({
      sent: 1,
      delivered: 1,
      opened: 1,
      bounced: 1,
      contacts_sent: 1,
      replied: 1,
      reply_rate: 1,
    });
    expect(all.body.data.by_channel.instagram).toEqual({
      ...zero,
      sent: 1,
      contacts_sent: 1,
      replied: 1,
      reply_rate: 1,
    });
    expect(all.body.data.by_channel.twitter).toEqual(zero);

    const campaign = await get(account.key, `/conversations/engagement?campaign_id=${spring.id}`);
    expect(campaign.body.data.campaign_id).toBe(spring.id);
    expect(campaign.body.data.totals).toEqual({
      sent: 1,
      delivered: 1,
      opened: 1,
      bounced: 1,
      contacts_sent: 1,
      replied: 1,
      reply_rate: 1,
    });
    expect(campaign.body.data.by_channel.instagram).toEqual(zero);
  });
});
