/**
 * channels.send over REST: a message into an existing conversation, through the same send path as the
 * message.send job. Email goes to the outbox here; Instagram and X go to local servers speaking their
 * APIs. The platform rules (Instagram's 24-hour window, the X daily cap) are enforced before any call:
 * the local server sees no request. Variables are substituted, a missing one is 422 naming it, and an
 * Idempotency-Key replays the first answer without a second send.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.ts';
import { channelAccountSends } from '../../db/schema-channels.ts';
import { events } from '../../db/schema-events.ts';
import { messages } from '../../db/schema-messages.ts';
import { utcDayStart } from '../../src/domain/sending/channel-rules.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import {
  IG_ACCOUNT,
  IG_TOKEN,
  insertContact,
  insertConversation,
  insertInbound,
  instagramApi,
  X_TOKEN,
  xApi,
} from './fixtures.ts';
import { startUpstream, type Upstream } from './upstream.ts';

const HOUR = 60 * 60_000;

let instagram: Upstream;
let x: Upstream;
let server: TestServer;

beforeAll(async () => {
  instagram = await startUpstream(instagramApi);
  x = await startUpstream(xApi);
  server = await startTestServer({
    INSTAGRAM_API_BASE_URL: instagram.url,
    X_API_BASE_URL: x.url,
    X_DAILY_DM_CAP: '2',
  });
});
afterAll(async () => {
  await server?.close();
  await instagram?.close();
  await x?.close();
});

const send = (body: unknown, headers: Record<string, string> = {}) =>
  api(server.url, 'POST', '/channels/send', { key: server.adminKey, body, headers });

async function connect(channel: string, token: string): Promise<string> {
  const response = await api(server.url, 'POST', '/channels/accounts', {
    key: server.adminKey,
    body: { channel, access_token: token },
  });
  expect(response.status, response.text).toBe(201);
  return response.body.data.id;
}

async function messagesOf(conversationId: string) {
  return server.services.db.select().from(messages).where(eq(messages.conversationId, conversationId));
}

describe('email', () => {
  it('sends into the conversation with variables substituted (outbox: not delivered)', async () => {
    const contact = await insertContact(server, { attributes: { venue: 'The Bell House' } });
    const conversation = await insertConversation(server, contact.id, 'email');
    const response = await send({
      conversation_id: conversation.id,
      subject: 'Quick question about {{venue}}',
      body: 'Hi {{first_name}}, are you booking for {{ season }}?',
      variables: { season: 'summer' },
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body.data).toMatchObject({
      conversation_id: conversation.id,
      channel: 'email',
      direction: 'outbound',
      status: 'sent',
      step: null,
      subject: 'Quick question about The Bell House',
      body: 'Hi Nina, are you booking for summer?',
      delivered: false,
    });
    expect(response.body.data.external_id).toMatch(/^outbox:</);
    const rows = await messagesOf(conversation.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'sent', body: 'Hi Nina, are you booking for summer?' });
    const audits = await server.services.db
      .select()
      .from(auditLog)
      .where(
        and(eq(auditLog.action, 'send_channel_message'), eq(auditLog.resourceId, response.body.data.id)),
      );
    expect(audits).toHaveLength(1);
  });

  it('a missing variable is 422 naming it, and nothing is stored', async () => {
    const contact = await insertContact(server, { company: null });
    const conversation = await insertConversation(server, contact.id, 'email');
    const response = await send({
      conversation_id: conversation.id,
      body: 'Hi {{first_name}} of {{company}}',
    });
    expect(response.status, response.text).toBe(422);
    expect(response.body.error.code).toBe('SERVER_005');
    expect(response.body.error.message).toContain('{{company}}');
    expect(response.body.error.message).not.toContain('first_name');
    expect(await messagesOf(conversation.id)).toHaveLength(0);
  });

  it('replays an Idempotency-Key without sending twice', async () => {
    const contact = await insertContact(server);
    const conversation = await insertConversation(server, contact.id, 'email');
    const body = { conversation_id: conversation.id, body: 'Hello {{first_name}}' };
    const first = await send(body, { 'Idempotency-Key': 'send-once-1' });
    expect(first.status, first.text).toBe(201);
    const second = await send(body, { 'Idempotency-Key': 'send-once-1' });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.data.id).toBe(first.body.data.id);
    expect(await messagesOf(conversation.id)).toHaveLength(1);
  });

  it('an unknown conversation is 404 CONVERSATION_001; a channel or recipient that does not match is 422', async () => {
    const missing = await send({ conversation_id: '00000000-0000-4000-8000-000000000000', body: 'x' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('CONVERSATION_001');
    const contact = await insertContact(server);
    const conversation = await insertConversation(server, contact.id, 'email');
    const wrongChannel = await send({ conversation_id: conversation.id, body: 'x', channel: 'twitter' });
    expect(wrongChannel.status).toBe(422);
    expect(wrongChannel.body.error.message).toContain('channel');
    const wrongRecipient = await send({
      conversation_id: conversation.id,
      body: 'x',
      recipient_id: '00000000-0000-4000-8000-000000000000',
    });
    expect(wrongRecipient.status).toBe(422);
    expect(wrongRecipient.body.error.message).toContain('recipient_id');
  });

  it('an unsubscribed contact gets nothing: CONVERSATION_003', async () => {
    const contact = await insertContact(server, { unsubscribedAt: new Date() });
    const conversation = await insertConversation(server, contact.id, 'email');
    const response = await send({ conversation_id: conversation.id, body: 'Hi' });
    expect(response.status).toBe(500);
    expect(response.body.error.code).toBe('CONVERSATION_003');
    expect(response.body.error.message).toContain('unsubscribed');
  });
});

describe('instagram', () => {
  it('without a connected account: CONVERSATION_003 and no API call', async () => {
    const contact = await insertContact(server);
    const conversation = await insertConversation(server, contact.id, 'instagram');
    instagram.requests.length = 0;
    const response = await send({ conversation_id: conversation.id, body: 'Hi' });
    expect(response.status).toBe(500);
    expect(response.body.error).toMatchObject({ code: 'CONVERSATION_003' });
    expect(response.body.error.message).toContain('no connected instagram account');
    expect(instagram.requests).toHaveLength(0);
  });

  it('outside the 24-hour window: refused with the reason before any call', async () => {
    await connect('instagram', IG_TOKEN);
    const contact = await insertContact(server);
    const conversation = await insertConversation(server, contact.id, 'instagram');
    await insertInbound(
      server,
      contact.id,
      conversation.id,
      'instagram',
      new Date(server.services.clock().getTime() - 25 * HOUR),
    );
    // An inbound message on another channel opens nothing on Instagram.
    await insertInbound(
      server,
      contact.id,
      conversation.id,
      'email',
      new Date(server.services.clock().getTime() - HOUR),
    );
    instagram.requests.length = 0;
    const response = await send({ conversation_id: conversation.id, body: 'Hi {{first_name}}' });
    expect(response.status).toBe(500);
    expect(response.body.error.code).toBe('CONVERSATION_003');
    expect(response.body.error.message).toContain('within 24 hours');
    expect(response.body.error.message).toContain('window closed');
    expect(instagram.requests).toHaveLength(0);
    expect((await messagesOf(conversation.id)).filter((m) => m.direction === 'outbound')).toHaveLength(0);
  });

  it('never wrote: refused before any call', async () => {
    const contact = await insertContact(server);
    const conversation = await insertConversation(server, contact.id, 'instagram');
    instagram.requests.length = 0;
    const response = await send({ conversation_id: conversation.id, body: 'Hi' });
    expect(response.status).toBe(500);
    expect(response.body.error.message).toContain('never has');
    expect(instagram.requests).toHaveLength(0);
  });

  it('inside the window: sent through the Graph API from the connected account', async () => {
    const contact = await insertContact(server);
    const conversation = await insertConversation(server, contact.id, 'instagram');
    await insertInbound(
      server,
      contact.id,
      conversation.id,
      'instagram',
      new Date(server.services.clock().getTime() - 23 * HOUR),
    );
    instagram.requests.length = 0;
    const response = await send({
      conversation_id: conversation.id,
      body: 'Hi {{first_name}}, see you Friday',
      subject: 'ignored',
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body.data).toMatchObject({
      status: 'delivered',
      delivered: true,
      subject: null,
      body: 'Hi Nina, see you Friday',
    });
    expect(response.body.data.external_id).toMatch(/^mid\./);
    const delivered = (
      await server.services.db.select().from(events).where(eq(events.type, 'message.delivered'))
    ).filter((e) => (e.data as { id: string }).id === response.body.data.id);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.data).toMatchObject({
      channel: 'instagram',
      external_id: response.body.data.external_id,
    });
    expect(instagram.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /v23.0/${IG_ACCOUNT}/conversations`,
      `POST /v23.0/${IG_ACCOUNT}/messages`,
    ]);
    expect(instagram.requests[1]?.headers.authorization).toBe(`Bearer ${IG_TOKEN}`);
    expect(instagram.requests[1]?.body).toEqual({
      recipient: { id: '998877' },
      message: { text: 'Hi Nina, see you Friday' },
    });
    const sends = await server.services.db
      .select()
      .from(channelAccountSends)
      .where(eq(channelAccountSends.messageId, response.body.data.id));
    expect(sends).toHaveLength(1);
  });

  it('a permanent platform refusal is CONVERSATION_003 with the platform’s message', async () => {
    const contact = await insertContact(server);
    const conversation = await insertConversation(server, contact.id, 'instagram');
    await insertInbound(server, contact.id, conversation.id, 'instagram', server.services.clock());
    instagram.route = (request) =>
      request.method === 'POST'
        ? { status: 400, body: { error: { message: '(#100) No matching user found', code: 100 } } }
        : instagramApi(request);
    try {
      const response = await send({ conversation_id: conversation.id, body: 'Hi' });
      expect(response.status).toBe(500);
      expect(response.body.error.code).toBe('CONVERSATION_003');
      expect(response.body.error.message).toContain('instagram 400: (#100) No matching user found');
    } finally {
      instagram.route = instagramApi;
    }
  });
});

describe('x daily cap', () => {
  it('sends up to the cap, refuses the next before any call, and sends again the next UTC day', async () => {
    const accountId = await connect('twitter', X_TOKEN);
    const contact = await insertContact(server);
    const conversation = await insertConversation(server, contact.id, 'twitter');
    // Sends of the day before count for nothing today.
    const [old] = await server.services.db
      .insert(messages)
      .values({
        userId: server.ownerId,
        contactId: contact.id,
        conversationId: conversation.id,
        channel: 'twitter',
        direction: 'outbound',
        status: 'sent',
        body: 'yesterday',
      })
      .returning();
    if (!old) throw new Error('insert failed');
    await server.services.db.insert(channelAccountSends).values({
      messageId: old.id,
      accountId,
      sentAt: new Date(utcDayStart(server.services.clock()).getTime() - 1),
    });

    for (const n of [1, 2]) {
      x.requests.length = 0;
      const response = await send({ conversation_id: conversation.id, body: `DM ${n} for {{first_name}}` });
      expect(response.status, response.text).toBe(201);
      expect(response.body.data).toMatchObject({ delivered: true, body: `DM ${n} for Nina` });
      expect(x.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /2/users/by/username/nina_beats',
        'POST /2/dm_conversations/with/2244994945/messages',
      ]);
      expect(x.requests[1]?.body).toEqual({ text: `DM ${n} for Nina` });
    }

    x.requests.length = 0;
    const refused = await send({ conversation_id: conversation.id, body: 'DM 3' });
    expect(refused.status).toBe(500);
    expect(refused.body.error.code).toBe('CONVERSATION_003');
    expect(refused.body.error.message).toContain('x daily DM cap reached: this account sent 2 of 2');
    expect(x.requests).toHaveLength(0);
    const availability = await api(server.url, 'GET', `/channels/availability?contact_id=${contact.id}`, {
      key: server.adminKey,
    });
    const twitter = availability.body.data.channels.find((c: { channel: string }) => c.channel === 'twitter');
    expect(twitter).toMatchObject({ available: false, sent_today: 2, daily_cap: 2 });

    const now = server.services.clock();
    server.advance(utcDayStart(now).getTime() + 24 * HOUR - now.getTime() + 60_000);
    const nextDay = await send({ conversation_id: conversation.id, body: 'DM 3' });
    expect(nextDay.status, nextDay.text).toBe(201);
    expect(x.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});
