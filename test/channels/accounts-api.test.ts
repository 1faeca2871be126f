/**
 * channels.connect, channels.accounts, channels.disconnect and channels.availability over REST, against
 * local Instagram and X APIs: the token is checked with the platform's "me" endpoint, stored sealed
 * (the raw token is in no database row and in no answer), and availability follows what is connected
 * and what the platform allows now.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.ts';
import { channelAccounts } from '../../db/schema-channels.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import {
  IG_ACCOUNT,
  IG_TOKEN,
  insertContact,
  insertConversation,
  insertInbound,
  instagramApi,
  X_ACCOUNT,
  X_TOKEN,
  xApi,
} from './fixtures.ts';
import { startUpstream, type Upstream } from './upstream.ts';

let instagram: Upstream;
let x: Upstream;
let server: TestServer;

beforeAll(async () => {
  instagram = await startUpstream(instagramApi);
  x = await startUpstream(xApi);
  server = await startTestServer({
    INSTAGRAM_API_BASE_URL: instagram.url,
    X_API_BASE_URL: x.url,
    X_DAILY_DM_CAP: '3',
  });
});
afterAll(async () => {
  await server?.close();
  await instagram?.close();
  await x?.close();
});

const call = (method: string, path: string, body?: unknown) =>
  api(server.url, method, path, { key: server.adminKey, ...(body === undefined ? {} : { body }) });

/** Every text column of every channel_accounts row, as one string. */
async function storedText(): Promise<string> {
  const rows = await server.services.db.execute(
    sql`select row_to_json(c)::text as row from channel_accounts c`,
  );
  return JSON.stringify(rows);
}

describe('availability before anything is connected', () => {
  it('email is available; instagram and twitter are not connected', async () => {
    const response = await call('GET', '/channels/availability');
    expect(response.status, response.text).toBe(200);
    const byChannel = Object.fromEntries(
      response.body.data.channels.map((c: { channel: string }) => [c.channel, c]),
    );
    expect(byChannel.email).toMatchObject({ connected: true, available: true, reason: null });
    expect(byChannel.instagram).toMatchObject({ connected: false, available: false, account: null });
    expect(byChannel.instagram.reason).toContain('no connected instagram account');
    expect(byChannel.twitter).toMatchObject({ connected: false, available: false });
  });
});

describe('connect, list, disconnect', () => {
  let instagramId: string;

  it('connects an Instagram account after /me accepts the token, and stores the token sealed', async () => {
    instagram.requests.length = 0;
    const response = await call('POST', '/channels/accounts', {
      channel: 'instagram',
      access_token: IG_TOKEN,
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body.data).toMatchObject({
      channel: 'instagram',
      external_account_id: IG_ACCOUNT,
      handle: 'club_nord',
      status: 'connected',
      disconnected_at: null,
    });
    expect(response.text).not.toContain(IG_TOKEN);
    instagramId = response.body.data.id;
    expect(instagram.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /v23.0/me']);
    expect(instagram.requests[0]?.headers.authorization).toBe(`Bearer ${IG_TOKEN}`);

    const [row] = await server.services.db
      .select()
      .from(channelAccounts)
      .where(eq(channelAccounts.id, instagramId));
    expect(row?.tokenSealed).toMatch(/^v\d/);
    const stored = await storedText();
    // The rows are read (the handle is there), and the token is not, in any form but sealed.
    expect(stored).toContain('club_nord');
    expect(stored).not.toContain(IG_TOKEN);
    expect(server.services.sealer.open(row?.tokenSealed ?? '')).toBe(IG_TOKEN);

    const audits = await server.services.db
      .select()
      .from(auditLog)
      .where(eq(auditLog.action, 'connect_channel_account'));
    expect(audits).toHaveLength(1);
    expect(audits[0]?.resourceId).toBe(instagramId);
    expect(JSON.stringify(audits)).not.toContain(IG_TOKEN);
  });

  it('connects an X account through /2/users/me', async () => {
    const response = await call('POST', '/channels/accounts', { channel: 'twitter', access_token: X_TOKEN });
    expect(response.status, response.text).toBe(201);
    expect(response.body.data).toMatchObject({
      channel: 'twitter',
      external_account_id: X_ACCOUNT,
      handle: 'clubnord',
    });
    expect(x.requests.at(-1)?.path).toBe('/2/users/me');
    expect(await storedText()).not.toContain(X_TOKEN);
  });

  it('a token the platform refuses is 422 naming access_token, and nothing is stored', async () => {
    const before = await server.services.db.select().from(channelAccounts);
    const response = await call('POST', '/channels/accounts', { channel: 'twitter', access_token: 'wrong' });
    expect(response.status, response.text).toBe(422);
    expect(response.body.error.code).toBe('SERVER_005');
    expect(response.body.error.message).toContain('access_token');
    expect(response.body.error.message).toContain('x 401: Unauthorized');
    expect(await server.services.db.select().from(channelAccounts)).toHaveLength(before.length);
  });

  it('a platform that cannot answer now is 503 SERVER_009', async () => {
    x.route = () => ({ status: 503, body: { title: 'Service Unavailable', status: 503 } });
    try {
      const response = await call('POST', '/channels/accounts', {
        channel: 'twitter',
        access_token: X_TOKEN,
      });
      expect(response.status, response.text).toBe(503);
      expect(response.body.error.code).toBe('SERVER_009');
    } finally {
      x.route = xApi;
    }
  });

  it('rejects email and unknown channels as input', async () => {
    const response = await call('POST', '/channels/accounts', { channel: 'email', access_token: 'x' });
    expect(response.status).toBe(422);
    expect(response.body.error.message).toContain('channel');
  });

  it('connecting the same account again keeps one row and replaces the token', async () => {
    const response = await call('POST', '/channels/accounts', {
      channel: 'instagram',
      access_token: IG_TOKEN,
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body.data.id).toBe(instagramId);
    const rows = await server.services.db
      .select()
      .from(channelAccounts)
      .where(eq(channelAccounts.channel, 'instagram'));
    expect(rows).toHaveLength(1);
  });

  it('lists the connected accounts without tokens', async () => {
    const response = await call('GET', '/channels/accounts');
    expect(response.status, response.text).toBe(200);
    expect(response.body.data.map((a: { channel: string }) => a.channel).sort()).toEqual([
      'instagram',
      'twitter',
    ]);
    for (const account of response.body.data) {
      expect(Object.keys(account).sort()).toEqual([
        'channel',
        'created_at',
        'disconnected_at',
        'external_account_id',
        'handle',
        'id',
        'status',
        'updated_at',
      ]);
    }
    expect(response.text).not.toContain(IG_TOKEN);
    expect(response.text).not.toContain(X_TOKEN);
    const filtered = await call('GET', '/channels/accounts?channel=twitter');
    expect(filtered.body.data).toHaveLength(1);
    expect(filtered.body.meta.pagination).toMatchObject({ has_more: false });
  });

  it('availability shows both DM channels connected and, for a contact, what each platform allows now', async () => {
    const contact = await insertContact(server);
    const conversation = await insertConversation(server, contact.id, 'instagram');
    const first = await call('GET', `/channels/availability?contact_id=${contact.id}`);
    expect(first.status, first.text).toBe(200);
    const channels = (body: typeof first.body) =>
      Object.fromEntries(body.data.channels.map((c: { channel: string }) => [c.channel, c]));
    let byChannel = channels(first.body);
    expect(first.body.data.contact_id).toBe(contact.id);
    expect(byChannel.email).toMatchObject({ available: true });
    expect(byChannel.instagram).toMatchObject({ connected: true, available: false, window_closes_at: null });
    expect(byChannel.instagram.account).toMatchObject({ id: instagramId, handle: 'club_nord' });
    expect(byChannel.instagram.reason).toContain('within 24 hours');
    expect(byChannel.twitter).toMatchObject({
      connected: true,
      available: true,
      sent_today: 0,
      daily_cap: 3,
    });

    const wrote = new Date(server.services.clock().getTime() - 60 * 60_000);
    await insertInbound(server, contact.id, conversation.id, 'instagram', wrote);
    byChannel = channels((await call('GET', `/channels/availability?contact_id=${contact.id}`)).body);
    expect(byChannel.instagram).toMatchObject({
      available: true,
      reason: null,
      window_closes_at: new Date(wrote.getTime() + 24 * 60 * 60_000).toISOString(),
    });
  });

  it('a contact with no handle or who unsubscribed is not available, with the reason', async () => {
    const noHandle = await insertContact(server, { xHandle: null });
    let response = await call('GET', `/channels/availability?contact_id=${noHandle.id}`);
    const twitter = response.body.data.channels.find((c: { channel: string }) => c.channel === 'twitter');
    expect(twitter).toMatchObject({ available: false, reason: 'the contact has no x handle' });
    const gone = await insertContact(server, { unsubscribedAt: new Date() });
    response = await call('GET', `/channels/availability?contact_id=${gone.id}`);
    for (const channel of response.body.data.channels) {
      expect(channel).toMatchObject({ available: false, reason: 'the contact unsubscribed' });
    }
  });

  it('an unknown contact is 404 CONTACT_001', async () => {
    const response = await call(
      'GET',
      '/channels/availability?contact_id=00000000-0000-4000-8000-000000000000',
    );
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('CONTACT_001');
  });

  it('disconnects: the token is erased, the account leaves the list, a second disconnect is 404', async () => {
    const response = await call('DELETE', `/channels/accounts/${instagramId}`);
    expect(response.status, response.text).toBe(200);
    expect(response.body.data).toMatchObject({ id: instagramId, status: 'disconnected' });
    expect(response.body.data.disconnected_at).not.toBeNull();
    const [row] = await server.services.db
      .select()
      .from(channelAccounts)
      .where(eq(channelAccounts.id, instagramId));
    expect(row?.tokenSealed).toBe('');
    const list = await call('GET', '/channels/accounts');
    expect(list.body.data.map((a: { id: string }) => a.id)).not.toContain(instagramId);
    const again = await call('DELETE', `/channels/accounts/${instagramId}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('SERVER_003');
    const junk = await call('DELETE', '/channels/accounts/not-an-id');
    expect(junk.status).toBe(404);
    const availability = await call('GET', '/channels/availability');
    const ig = availability.body.data.channels.find((c: { channel: string }) => c.channel === 'instagram');
    expect(ig).toMatchObject({ connected: false, available: false });
  });

  it('reconnecting a disconnected account revives the same row', async () => {
    const response = await call('POST', '/channels/accounts', {
      channel: 'instagram',
      access_token: IG_TOKEN,
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body.data).toMatchObject({ id: instagramId, status: 'connected', disconnected_at: null });
  });
});
