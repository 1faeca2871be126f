/**
 * Idempotency-Key on POST /keys and POST /keys/:id/rotate: a replay hands back the same raw key (it only
 * exists in the stored response), failures after the claim are not cached.
 */
import { and, count, eq, gt, isNull, or } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiKeys } from '../../db/schema.ts';
import { MAX_ACTIVE_KEYS } from '../../src/operations/keys/create.ts';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import {
  clearRateLimits,
  expectConflict,
  idempotencyRows,
  keyIdOf,
  keyRowsNamed,
  newIdempotencyKey,
  openStoredResponse,
  postWithKey,
} from './support.ts';

let server: TestServer;
let adminKeyId: string;

beforeAll(async () => {
  server = await startTestServer();
  adminKeyId = await keyIdOf(server, server.adminKey);
});
afterAll(() => server.close());
beforeEach(() => clearRateLimits(server));

async function activeKeys(): Promise<number> {
  const now = server.services.clock();
  const [row] = await server.services.db
    .select({ n: count() })
    .from(apiKeys)
    .where(
      and(
        eq(apiKeys.userId, server.ownerId),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, now)),
      ),
    );
  return Number(row?.n ?? 0);
}

describe('POST /keys replay', () => {
  it('returns the same raw key on replay and creates exactly one key row', async () => {
    const idempotencyKey = newIdempotencyKey('key');
    const body = { name: `replayed key ${idempotencyKey}`, scopes: ['read', 'write'] };
    const first = await postWithKey(server, '/keys', { key: server.adminKey, idempotencyKey, body });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const raw: string = first.body.data.key;
    expect(raw).toMatch(/^is_live_/);

    const second = await postWithKey(server, '/keys', { key: server.adminKey, idempotencyKey, body });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(second.body.data.key).toBe(raw);
    expect(second.body.data.id).toBe(first.body.data.id);
    expect(await keyRowsNamed(server, body.name)).toBe(1);

    // The replayed secret is the live key.
    const me = await api(server.url, 'GET', '/keys/me', { key: second.body.data.key });
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(first.body.data.id);
  });

  it('does not keep the raw key in plain text in the stored response', async () => {
    const idempotencyKey = newIdempotencyKey('sealed');
    const body = { name: `sealed key ${idempotencyKey}`, scopes: ['read'] };
    const first = await postWithKey(server, '/keys', { key: server.adminKey, idempotencyKey, body });
    expect(first.status).toBe(201);
    const raw: string = first.body.data.key;

    const [record, ...others] = await idempotencyRows(server, {
      principal: `key:${adminKeyId}`,
      operationId: 'keys.create',
      key: idempotencyKey,
    });
    expect(others).toHaveLength(0);
    expect(record?.state).toBe('completed');
    expect(JSON.stringify(record)).not.toContain(raw);
    expect(JSON.stringify(record)).not.toContain(raw.slice('is_live_'.length));
    expect(openStoredResponse(server, record).body).toEqual(first.body);
  });

  it('answers 409 SERVER_016 for the same key with another body and creates nothing more', async () => {
    const idempotencyKey = newIdempotencyKey('key-conflict');
    const name = `conflict key ${idempotencyKey}`;
    const first = await postWithKey(server, '/keys', {
      key: server.adminKey,
      idempotencyKey,
      body: { name, scopes: ['read'] },
    });
    expect(first.status).toBe(201);
    const second = await postWithKey(server, '/keys', {
      key: server.adminKey,
      idempotencyKey,
      body: { name, scopes: ['read', 'write'] },
    });
    expectConflict(second, /different request body/);
    expect(await keyRowsNamed(server, name)).toBe(1);
  });

  it('rejects an invalid Idempotency-Key with 400 SERVER_002 and creates no key', async () => {
    const name = `bad idempotency key ${Date.now()}`;
    const response = await postWithKey(server, '/keys', {
      key: server.adminKey,
      idempotencyKey: 'a'.repeat(256),
      body: { name, scopes: ['read'] },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('SERVER_002');
    expect(await keyRowsNamed(server, name)).toBe(0);
  });
});

describe('POST /keys/:id/rotate replay', () => {
  it('replays the rotation: the same new raw key, one new key row, the old key revoked once', async () => {
    const victim = await createKey(server.url, server.adminKey, ['read']);
    const idempotencyKey = newIdempotencyKey('rotate');
    const first = await postWithKey(server, `/keys/${victim.id}/rotate`, {
      key: server.adminKey,
      idempotencyKey,
    });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(first.body.data.id).not.toBe(victim.id);

    const second = await postWithKey(server, `/keys/${victim.id}/rotate`, {
      key: server.adminKey,
      idempotencyKey,
    });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);

    const successors = await server.services.db
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(eq(apiKeys.rotatedFromId, victim.id));
    expect(successors).toEqual([{ id: first.body.data.id }]);
    const [old] = await server.services.db.select().from(apiKeys).where(eq(apiKeys.id, victim.id));
    expect(old?.revokedAt).not.toBeNull();

    expect((await api(server.url, 'GET', '/keys/me', { key: victim.key })).status).toBe(401);
    const me = await api(server.url, 'GET', '/keys/me', { key: second.body.data.key });
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(first.body.data.id);

    // Without the key, a retry is a fresh rotation of an already revoked key.
    const fresh = await postWithKey(server, `/keys/${victim.id}/rotate`, { key: server.adminKey });
    expect(fresh.status).toBe(400);
    expect(fresh.body.error.code).toBe('SERVER_002');
  });

  it('treats the same key on another key id as a different request (the id is part of the request)', async () => {
    const a = await createKey(server.url, server.adminKey, ['read']);
    const b = await createKey(server.url, server.adminKey, ['read']);
    const idempotencyKey = newIdempotencyKey('rotate-other');
    const first = await postWithKey(server, `/keys/${a.id}/rotate`, { key: server.adminKey, idempotencyKey });
    expect(first.status).toBe(201);
    const other = await postWithKey(server, `/keys/${b.id}/rotate`, { key: server.adminKey, idempotencyKey });
    expectConflict(other, /different request body/);
    const [bRow] = await server.services.db.select().from(apiKeys).where(eq(apiKeys.id, b.id));
    expect(bRow?.revokedAt).toBeNull();
  });

  it('does not cache a failed rotation (404): the key stays free', async () => {
    const idempotencyKey = newIdempotencyKey('rotate-404');
    const missing = '00000000-0000-4000-8000-000000000000';
    const response = await postWithKey(server, `/keys/${missing}/rotate`, {
      key: server.adminKey,
      idempotencyKey,
    });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('APIKEY_006');
    expect(await idempotencyRows(server, { key: idempotencyKey })).toHaveLength(0);
  });
});

describe('failures after the claim are not cached', () => {
  it('422 from the handler releases the key: the corrected body then executes with the same key', async () => {
    const idempotencyKey = newIdempotencyKey('past-expiry');
    const name = `expiring key ${idempotencyKey}`;
    const past = new Date(server.services.clock().getTime() - 60_000).toISOString();
    const failed = await postWithKey(server, '/keys', {
      key: server.adminKey,
      idempotencyKey,
      body: { name, scopes: ['read'], expires_at: past },
    });
    expect(failed.status).toBe(422);
    expect(failed.body.error.code).toBe('SERVER_005');
    expect(await idempotencyRows(server, { key: idempotencyKey })).toHaveLength(0);

    const future = new Date(server.services.clock().getTime() + 86_400_000).toISOString();
    const fixed = await postWithKey(server, '/keys', {
      key: server.adminKey,
      idempotencyKey,
      body: { name, scopes: ['read'], expires_at: future },
    });
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();
    expect(await keyRowsNamed(server, name)).toBe(1);
  });

  it('429 APIKEY_005 at the active-key limit is not cached: after a revoke the same request executes', async () => {
    // Fill the account up to the limit, staying under the 20/s burst limit.
    const fillers: string[] = [];
    for (let n = await activeKeys(); n < MAX_ACTIVE_KEYS; n++) {
      if (fillers.length % 10 === 0) clearRateLimits(server);
      fillers.push((await createKey(server.url, server.adminKey, ['read'])).id);
    }
    expect(await activeKeys()).toBe(MAX_ACTIVE_KEYS);
    clearRateLimits(server);

    const idempotencyKey = newIdempotencyKey('limit');
    const body = { name: `over the limit ${idempotencyKey}`, scopes: ['read'] };
    const refused = await postWithKey(server, '/keys', { key: server.adminKey, idempotencyKey, body });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('APIKEY_005');
    expect(await idempotencyRows(server, { key: idempotencyKey })).toHaveLength(0);
    expect(await keyRowsNamed(server, body.name)).toBe(0);

    // A retry while still at the limit fails the same way (re-executed, not replayed).
    const again = await postWithKey(server, '/keys', { key: server.adminKey, idempotencyKey, body });
    expect(again.status).toBe(429);
    expect(again.headers.get('idempotent-replayed')).toBeNull();

    const revokeId = fillers[0] ?? (await createKey(server.url, server.adminKey, ['read'])).id;
    const revoked = await api(server.url, 'DELETE', `/keys/${revokeId}`, { key: server.adminKey });
    expect(revoked.status).toBe(200);

    const created = await postWithKey(server, '/keys', { key: server.adminKey, idempotencyKey, body });
    expect(created.status).toBe(201);
    expect(created.headers.get('idempotent-replayed')).toBeNull();
    expect(await keyRowsNamed(server, body.name)).toBe(1);

    const replay = await postWithKey(server, '/keys', { key: server.adminKey, idempotencyKey, body });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.data.key).toBe(created.body.data.key);
    expect(await keyRowsNamed(server, body.name)).toBe(1);
  });
});
