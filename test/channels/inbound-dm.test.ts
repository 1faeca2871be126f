/**
 * Inbound DMs at POST /inbound/:channel, signed with INBOUND_SECRET: a DM to a connected Instagram
 * account from a contact is stored in the contact's conversation (opened when there is none), once per
 * platform message id, and opens Instagram's 24-hour window so a reply can go out; a DM to an account
 * nobody connected, or from a stranger, is acknowledged and not stored; bad signatures, bodies and
 * channels are refused.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversations } from '../../db/schema-contacts.ts';
import { messages } from '../../db/schema-messages.ts';
import { inboundSignature } from '../../src/domain/inbound/inbound-signature.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { IG_ACCOUNT, IG_TOKEN, insertContact, instagramApi } from './fixtures.ts';
import { startUpstream, type Upstream } from './upstream.ts';

const SECRET = 'inbound-dm-secret-0123456789abcdef';

let instagram: Upstream;
let server: TestServer;

beforeAll(async () => {
  instagram = await startUpstream(instagramApi);
  server = await startTestServer({ INSTAGRAM_API_BASE_URL: instagram.url, INBOUND_SECRET: SECRET });
  const connected = await api(server.url, 'POST', '/channels/accounts', {
    key: server.adminKey,
    body: { channel: 'instagram', access_token: IG_TOKEN },
  });
  expect(connected.status, connected.text).toBe(201);
});
afterAll(async () => {
  await server?.close();
  await instagram?.close();
});

async function post(channel: string, payload: unknown, secret = SECRET) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const timestamp = String(Math.floor(server.services.clock().getTime() / 1000));
  const response = await fetch(`${server.url}/inbound/${channel}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      'X-Iris-Timestamp': timestamp,
      'X-Iris-Signature': inboundSignature(secret, timestamp, body),
    },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('POST /inbound/:channel', () => {
  it('stores a contact’s DM once, in a conversation, and opens the window for a reply', async () => {
    const contact = await insertContact(server);
    const dm = {
      account_id: IG_ACCOUNT,
      from: { handle: '@Nina.Beats' },
      id: 'mid.inbound.1',
      text: 'hey there',
    };
    const first = await post('instagram', dm);
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    const data = first.json.data as { matched: boolean; conversation_id: string; message_id: string };
    expect(data).toMatchObject({ matched: true, duplicate: false });
    const [conversation] = await server.services.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, data.conversation_id));
    expect(conversation).toMatchObject({ contactId: contact.id, channel: 'instagram', unreadCount: 1 });

    const again = await post('instagram', dm);
    expect(again.json.data).toMatchObject({ matched: true, duplicate: true, message_id: data.message_id });
    const stored = await server.services.db
      .select()
      .from(messages)
      .where(and(eq(messages.contactId, contact.id), eq(messages.direction, 'inbound')));
    expect(stored.map((m) => m.body)).toEqual(['hey there']);

    // The window is open: a reply goes out through the platform.
    const before = instagram.requests.length;
    const reply = await api(server.url, 'POST', '/channels/send', {
      key: server.adminKey,
      body: { conversation_id: data.conversation_id, body: 'Hi {{first_name}}!' },
    });
    expect(reply.status, reply.text).toBe(201);
    const posted = instagram.requests.slice(before).filter((r) => r.method === 'POST');
    expect(posted).toHaveLength(1);
  });

  it('acknowledges a DM it cannot place, and stores nothing', async () => {
    const toNobody = await post('instagram', {
      account_id: '999',
      from: { handle: 'nina.beats' },
      id: 'mid.x',
      text: 'hi',
    });
    expect(toNobody.status).toBe(200);
    expect(toNobody.json.data).toMatchObject({ matched: false });
    const fromStranger = await post('instagram', {
      account_id: IG_ACCOUNT,
      from: { handle: 'somebody_else' },
      id: 'mid.y',
      text: 'hi',
    });
    expect(fromStranger.json.data).toMatchObject({ matched: false });
    const rows = await server.services.db.select().from(messages).where(eq(messages.externalId, 'mid.y'));
    expect(rows).toEqual([]);
  });

  it('refuses bad signatures, bodies and channels', async () => {
    const dm = { account_id: IG_ACCOUNT, from: { handle: 'nina.beats' }, id: 'mid.z', text: 'hi' };
    const forged = await post('instagram', dm, 'not-the-secret-0123456789');
    expect(forged.status).toBe(401);
    expect((await post('instagram', '{not json')).status).toBe(400);
    const wrongShape = await post('instagram', { ...dm, text: 42 });
    expect(wrongShape.status).toBe(422);
    expect((wrongShape.json.error as { code: string }).code).toBe('SERVER_005');
    const nul = await post('instagram', { ...dm, account_id: 'a\u0000b' });
    expect(nul.status).toBe(422);
    const fax = await post('fax', dm);
    expect(fax.status).toBe(404);
    const rows = await server.services.db.select().from(messages).where(eq(messages.externalId, 'mid.z'));
    expect(rows).toEqual([]);
  });
});
