/**
 * The webhook endpoint operations over REST: create (secret once, sealed at rest), list, get, update,
 * delete, rotate-secret; admin scope on every route; WEBHOOK_001 for ids of nobody or of another
 * account; the event filter and URL checks; audit rows.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.ts';
import { webhookEndpoints } from '../../db/schema-webhooks.ts';
import { api, createKey, expectErrorEnvelope } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { type Receiver, startReceiver } from './receiver.ts';

let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  server = await startTestServer({ WEBHOOKS_ALLOW_PRIVATE: 'true' });
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

// Each test starts in a fresh rate-limit window (120 requests a minute per key).
beforeEach(() => server.advance(61_000));

async function create(body: Record<string, unknown>, key = server.adminKey) {
  return api(server.url, 'POST', '/webhooks', { key, body });
}

describe('webhooks.create', () => {
  it('returns the secret once, stores it sealed, and never shows it again', async () => {
    const created = await create({
      url: `${receiver.url}/hook`,
      events: ['contact.created'],
      description: 'crm',
    });
    expect(created.status, created.text).toBe(201);
    const hook = created.body.data;
    expect(hook).toMatchObject({
      url: `${receiver.url}/hook`,
      events: ['contact.created'],
      description: 'crm',
      enabled: true,
      disabled_reason: null,
    });
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const [row] = await server.services.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, hook.id));
    expect(row?.secretSealed).toMatch(/^v2\./);
    expect(row?.secretSealed).not.toContain(hook.secret);
    expect(server.services.sealer.open(row?.secretSealed ?? '')).toBe(hook.secret);

    const got = await api(server.url, 'GET', `/webhooks/${hook.id}`, { key: server.adminKey });
    expect(got.status).toBe(200);
    expect(got.body.data.secret).toBeUndefined();
    expect(got.text).not.toContain(hook.secret);
    const listed = await api(server.url, 'GET', '/webhooks', { key: server.adminKey });
    expect(listed.body.data.map((w: { id: string }) => w.id)).toContain(hook.id);
    expect(listed.text).not.toContain(hook.secret);

    const audits = await server.services.db.select().from(auditLog).where(eq(auditLog.resourceId, hook.id));
    expect(audits.map((a) => a.action)).toEqual(['create_webhook']);
    expect(JSON.stringify(audits[0]?.metadata)).not.toContain(hook.secret);
  });

  it('accepts ["*"] and de-duplicates event names; refuses unknown names and "*" mixed with names', async () => {
    const all = await create({ url: receiver.url, events: ['*'] });
    expect(all.status).toBe(201);
    expect(all.body.data.events).toEqual(['*']);
    const twice = await create({
      url: receiver.url,
      events: ['message.sent', 'campaign.created', 'message.sent'],
    });
    expect(twice.body.data.events).toEqual(['campaign.created', 'message.sent']);
    const unknown = await create({ url: receiver.url, events: ['contact.exploded'] });
    expectErrorEnvelope(unknown, 'SERVER_005');
    expect(unknown.body.error.message).toContain('events');
    const mixed = await create({ url: receiver.url, events: ['*', 'contact.created'] });
    expectErrorEnvelope(mixed, 'SERVER_005');
    const none = await create({ url: receiver.url, events: [] });
    expectErrorEnvelope(none, 'SERVER_005');
  });

  it('refuses a URL that is not a URL or carries credentials (HOOK_003)', async () => {
    const bad = await create({ url: 'not a url', events: ['*'] });
    expectErrorEnvelope(bad, 'HOOK_003');
    expect(bad.body.error.message).toContain('url');
    const creds = await create({ url: receiver.url.replace('http://', 'http://user:pw@'), events: ['*'] });
    expectErrorEnvelope(creds, 'HOOK_003');
    const ftp = await create({ url: 'ftp://127.0.0.1/x', events: ['*'] });
    expectErrorEnvelope(ftp, 'HOOK_003');
  });

  it('honours Idempotency-Key: a replay answers the same webhook and secret, nothing new is made', async () => {
    const headers = { 'idempotency-key': 'hook-create-1' };
    const body = { url: `${receiver.url}/idem`, events: ['contact.updated'] };
    const first = await api(server.url, 'POST', '/webhooks', { key: server.adminKey, body, headers });
    const second = await api(server.url, 'POST', '/webhooks', { key: server.adminKey, body, headers });
    expect(first.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.data).toEqual(first.body.data);
    const rows = await server.services.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.url, `${receiver.url}/idem`));
    expect(rows).toHaveLength(1);
  });
});

describe('admin scope and ownership', () => {
  it('needs the admin scope on every route', async () => {
    const { key } = await createKey(server.url, server.adminKey, ['read', 'write', 'send', 'generate']);
    const hook = (await create({ url: receiver.url, events: ['*'] })).body.data;
    const calls: [string, string, unknown?][] = [
      ['GET', '/webhooks'],
      ['POST', '/webhooks', { url: receiver.url, events: ['*'] }],
      ['GET', `/webhooks/${hook.id}`],
      ['PATCH', `/webhooks/${hook.id}`, { enabled: false }],
      ['DELETE', `/webhooks/${hook.id}`],
      ['POST', `/webhooks/${hook.id}/test`],
      ['GET', `/webhooks/${hook.id}/deliveries`],
      ['POST', `/webhooks/${hook.id}/rotate-secret`],
      ['POST', `/webhooks/${hook.id}/deliveries/${hook.id}/redeliver`],
    ];
    for (const [method, path, body] of calls) {
      const response = await api(server.url, method, path, { key, body });
      expect(response.status, `${method} ${path}`).toBe(403);
    }
    expect(receiver.received).toHaveLength(0);
  });

  it('answers WEBHOOK_001 for a malformed id, an unknown one, and a deleted one', async () => {
    for (const id of ['nope', '00000000-0000-4000-8000-000000000000']) {
      expectErrorEnvelope(
        await api(server.url, 'GET', `/webhooks/${id}`, { key: server.adminKey }),
        'WEBHOOK_001',
      );
    }
    const hook = (await create({ url: receiver.url, events: ['*'] })).body.data;
    const deleted = await api(server.url, 'DELETE', `/webhooks/${hook.id}`, { key: server.adminKey });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data.id).toBe(hook.id);
    expectErrorEnvelope(
      await api(server.url, 'GET', `/webhooks/${hook.id}`, { key: server.adminKey }),
      'WEBHOOK_001',
    );
    expectErrorEnvelope(
      await api(server.url, 'DELETE', `/webhooks/${hook.id}`, { key: server.adminKey }),
      'WEBHOOK_001',
    );
    const listed = await api(server.url, 'GET', '/webhooks?limit=100', { key: server.adminKey });
    expect(listed.body.data.map((w: { id: string }) => w.id)).not.toContain(hook.id);
    const audits = await server.services.db.select().from(auditLog).where(eq(auditLog.resourceId, hook.id));
    expect(audits.map((a) => a.action).sort()).toEqual(['create_webhook', 'delete_webhook']);
  });
});

describe('webhooks.update and rotate_secret', () => {
  it('updates fields, turns off and on, and audits update_webhook', async () => {
    const hook = (await create({ url: receiver.url, events: ['contact.created'] })).body.data;
    const patched = await api(server.url, 'PATCH', `/webhooks/${hook.id}`, {
      key: server.adminKey,
      body: { events: ['*'], description: 'all', url: `${receiver.url}/v2` },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(patched.body.data).toMatchObject({ events: ['*'], description: 'all', url: `${receiver.url}/v2` });
    const off = await api(server.url, 'PATCH', `/webhooks/${hook.id}`, {
      key: server.adminKey,
      body: { enabled: false },
    });
    expect(off.body.data).toMatchObject({ enabled: false, disabled_reason: 'manual' });
    expect(off.body.data.disabled_at).not.toBeNull();
    const on = await api(server.url, 'PATCH', `/webhooks/${hook.id}`, {
      key: server.adminKey,
      body: { enabled: true },
    });
    expect(on.body.data).toMatchObject({ enabled: true, disabled_reason: null, disabled_at: null });
    const badUrl = await api(server.url, 'PATCH', `/webhooks/${hook.id}`, {
      key: server.adminKey,
      body: { url: 'gopher://127.0.0.1/' },
    });
    expectErrorEnvelope(badUrl, 'HOOK_003');
    const unknownField = await api(server.url, 'PATCH', `/webhooks/${hook.id}`, {
      key: server.adminKey,
      body: { secret: 'mine' },
    });
    expect(unknownField.status).toBe(422);
    const audits = await server.services.db.select().from(auditLog).where(eq(auditLog.resourceId, hook.id));
    expect(audits.filter((a) => a.action === 'update_webhook')).toHaveLength(3);
  });

  it('rotates the secret: a new one is returned once and stored sealed in place of the old', async () => {
    const hook = (await create({ url: receiver.url, events: ['*'] })).body.data;
    const rotated = await api(server.url, 'POST', `/webhooks/${hook.id}/rotate-secret`, {
      key: server.adminKey,
    });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.data.secret).toMatch(/^whsec_/);
    expect(rotated.body.data.secret).not.toBe(hook.secret);
    expect(rotated.body.data.secret_rotated_at).not.toBeNull();
    const [row] = await server.services.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, hook.id));
    expect(server.services.sealer.open(row?.secretSealed ?? '')).toBe(rotated.body.data.secret);
  });
});
