/**
 * API key lifecycle: create (secret once), list, rename, revoke, rotate, limits, scope escalation,
 * tenant isolation, hashing at rest, and the audit rows each change leaves.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { apiKeys } from '../../db/schema.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { hashApiKey } from '../../src/domain/api-keys/key-material.ts';
import { MAX_ACTIVE_KEYS } from '../../src/operations/keys/create.ts';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
/** Every raw key this file has seen, to prove none is stored. */
const rawKeys: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  rawKeys.push(server.adminKey);
});
afterAll(() => server.close());
beforeEach(() => server.advance(61_000));

async function newKey(scopes: string[], extra: Record<string, unknown> = {}) {
  const created = await createKey(server.url, server.adminKey, scopes, extra);
  rawKeys.push(created.key);
  return created;
}

async function auditFor(resourceId: string) {
  const response = await api(server.url, 'GET', `/audit-log?resource_id=${resourceId}`, {
    key: server.adminKey,
  });
  expect(response.status).toBe(200);
  return response.body.data as { action: string; api_key_id: string; metadata: Record<string, unknown> }[];
}

describe('keys.create', () => {
  it('returns the raw key once, then only its prefix', async () => {
    const response = await api(server.url, 'POST', '/keys', {
      key: server.adminKey,
      body: { name: 'ci deploy', scopes: ['write', 'read', 'read'] },
    });
    expect(response.status).toBe(201);
    const created = response.body.data;
    rawKeys.push(created.key);
    expect(created.key).toMatch(/^is_live_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.key.slice(0, 12));
    expect(created.scopes).toEqual(['read', 'write']);
    expect(created.status).toBe('active');

    const list = await api(server.url, 'GET', '/keys?limit=100', { key: server.adminKey });
    const listed = list.body.data.find((k: { id: string }) => k.id === created.id);
    expect(listed).toBeDefined();
    expect(listed).not.toHaveProperty('key');
    expect(list.text).not.toContain(created.key);

    const me = await api(server.url, 'GET', '/keys/me', { key: created.key });
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(created.id);
    expect(me.body.data.last_used_at).not.toBeNull();

    const audit = await auditFor(created.id);
    expect(audit.map((a) => a.action)).toEqual(['create_key']);
    expect(audit[0]?.metadata).toMatchObject({ name: 'ci deploy', scopes: ['read', 'write'] });
  });

  it('rejects unknown scopes, empty names and past expiry with 422 naming the field', async () => {
    for (const [body, field] of [
      [{ name: 'x', scopes: ['delete'] }, 'scopes'],
      [{ name: '  ', scopes: ['read'] }, 'name'],
      [{ name: 'x', scopes: [] }, 'scopes'],
      [{ name: 'x', scopes: ['read'], expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
      [{ name: 'x', scopes: ['read'], expires_at: 'tomorrow' }, 'expires_at'],
    ] as const) {
      const response = await api(server.url, 'POST', '/keys', { key: server.adminKey, body });
      expect(response.status, JSON.stringify(body)).toBe(422);
      expect(response.body.error.code).toBe('SERVER_005');
      expect(response.body.error.message).toContain(field);
    }
  });

  it('lets a key expire at its expires_at', async () => {
    const expiresAt = new Date(server.services.clock().getTime() + 3_600_000).toISOString();
    const { key } = await newKey(['read'], { expires_at: expiresAt });
    expect((await api(server.url, 'GET', '/keys/me', { key })).status).toBe(200);
    server.advance(3_600_001);
    const response = await api(server.url, 'GET', '/keys/me', { key });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('APIKEY_002');
  });

  it('refuses to grant scopes the calling key does not hold', async () => {
    const { key: adminOnly } = await newKey(['admin']);
    const response = await api(server.url, 'POST', '/keys', {
      key: adminOnly,
      body: { name: 'escalate', scopes: ['send'] },
    });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('APIKEY_004');
    expect(response.body.error.message).toContain('send');
    const wildcard = await api(server.url, 'POST', '/keys', {
      key: adminOnly,
      body: { name: 'x', scopes: ['*'] },
    });
    expect(wildcard.status).toBe(403);
    const allowed = await api(server.url, 'POST', '/keys', {
      key: adminOnly,
      body: { name: 'ok', scopes: ['admin'] },
    });
    expect(allowed.status).toBe(201);
    rawKeys.push(allowed.body.data.key);
  });

  it('stops at the active key limit with 429 APIKEY_005, and writes no audit row for the refusal', async () => {
    const { userId, key } = await createAccount(
      server.database.db,
      'limits@example.com',
      server.services.clock(),
    );
    rawKeys.push(key.key);
    for (let i = 1; i < MAX_ACTIVE_KEYS; i++) {
      if (i % 15 === 0) server.advance(61_000);
      const response = await api(server.url, 'POST', '/keys', {
        key: key.key,
        body: { name: `k${i}`, scopes: ['read'] },
      });
      expect(response.status).toBe(201);
      rawKeys.push(response.body.data.key);
    }
    server.advance(61_000);
    const refused = await api(server.url, 'POST', '/keys', {
      key: key.key,
      body: { name: 'one too many', scopes: ['read'] },
    });
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('APIKEY_005');
    const rows = await queryRows<{ n: number }>(
      server.database.db,
      sql`select count(*)::int as n from api_audit_log where user_id = ${userId} and action = 'create_key'`,
    );
    expect(rows[0]?.n).toBe(MAX_ACTIVE_KEYS - 1);
  });

  it('holds the limit under concurrent creation', async () => {
    const { userId, key } = await createAccount(
      server.database.db,
      'race@example.com',
      server.services.clock(),
    );
    rawKeys.push(key.key);
    const preexisting = 15;
    for (let i = 0; i < preexisting; i++) {
      const response = await api(server.url, 'POST', '/keys', {
        key: key.key,
        body: { name: `p${i}`, scopes: ['read'] },
      });
      rawKeys.push(response.body.data.key);
    }
    server.advance(61_000);
    // 20 at once: exactly the burst limit, so every request reaches the handler.
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api(server.url, 'POST', '/keys', { key: key.key, body: { name: `r${i}`, scopes: ['read'] } }),
      ),
    );
    for (const r of responses) if (r.status === 201) rawKeys.push(r.body.data.key);
    const room = MAX_ACTIVE_KEYS - 1 - preexisting;
    expect(responses.filter((r) => r.status === 201)).toHaveLength(room);
    const refused = responses.filter((r) => r.status !== 201);
    expect(refused.map((r) => r.body.error.code)).toEqual(Array(20 - room).fill('APIKEY_005'));
    const rows = await queryRows<{ n: number }>(
      server.database.db,
      sql`select count(*)::int as n from api_keys where user_id = ${userId} and revoked_at is null`,
    );
    expect(rows[0]?.n).toBe(MAX_ACTIVE_KEYS);
  });
});

describe('keys.rename, keys.revoke, keys.rotate', () => {
  it('renames only the label', async () => {
    const { id, key } = await newKey(['read']);
    const response = await api(server.url, 'PATCH', `/keys/${id}`, {
      key: server.adminKey,
      body: { name: 'renamed' },
    });
    expect(response.status).toBe(200);
    expect(response.body.data).toMatchObject({ id, name: 'renamed', scopes: ['read'] });
    expect((await api(server.url, 'GET', '/keys/me', { key })).body.data.name).toBe('renamed');
    expect((await auditFor(id)).map((a) => a.action)).toEqual(['rename_key', 'create_key']);
  });

  it('revokes at once, idempotently', async () => {
    const { id, key } = await newKey(['read']);
    const response = await api(server.url, 'DELETE', `/keys/${id}`, { key: server.adminKey });
    expect(response.status).toBe(200);
    expect(response.body.data.status).toBe('revoked');
    const after = await api(server.url, 'GET', '/keys/me', { key });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('APIKEY_003');
    expect((await api(server.url, 'DELETE', `/keys/${id}`, { key: server.adminKey })).status).toBe(200);
    expect((await auditFor(id)).map((a) => a.action)).toEqual(['revoke_key', 'revoke_key', 'create_key']);
  });

  it('rotates: same name and scopes, new secret once, old key dead at once', async () => {
    const { id, key } = await newKey(['read', 'write']);
    const response = await api(server.url, 'POST', `/keys/${id}/rotate`, { key: server.adminKey });
    expect(response.status).toBe(201);
    const rotated = response.body.data;
    rawKeys.push(rotated.key);
    expect(rotated.id).not.toBe(id);
    expect(rotated.key).not.toBe(key);
    expect(rotated.scopes).toEqual(['read', 'write']);
    expect(rotated.name).toBe('test read write');
    expect((await api(server.url, 'GET', '/keys/me', { key })).body.error.code).toBe('APIKEY_003');
    expect((await api(server.url, 'GET', '/keys/me', { key: rotated.key })).status).toBe(200);
    expect((await auditFor(id)).map((a) => a.action)).toContain('rotate_key');
    const again = await api(server.url, 'POST', `/keys/${id}/rotate`, { key: server.adminKey });
    expect(again.status).toBe(400);
  });

  it('refuses to rotate the calling key', async () => {
    const me = await api(server.url, 'GET', '/keys/me', { key: server.adminKey });
    const response = await api(server.url, 'POST', `/keys/${me.body.data.id}/rotate`, {
      key: server.adminKey,
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('SERVER_002');
    expect((await api(server.url, 'GET', '/keys/me', { key: server.adminKey })).status).toBe(200);
  });

  it('refuses to rotate a key holding scopes the caller lacks (it would hand over the secret)', async () => {
    const { id } = await newKey(['*']);
    const { key: adminOnly } = await newKey(['admin']);
    const response = await api(server.url, 'POST', `/keys/${id}/rotate`, { key: adminOnly });
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('APIKEY_004');
  });

  it('rotates once under concurrent requests', async () => {
    const { id } = await newKey(['read']);
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        api(server.url, 'POST', `/keys/${id}/rotate`, { key: server.adminKey }),
      ),
    );
    for (const r of responses) if (r.status === 201) rawKeys.push(r.body.data.key);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(responses.filter((r) => r.status !== 201).every((r) => r.status === 400)).toBe(true);
  });

  it('answers 404 APIKEY_006 for unknown ids and for other accounts’ keys', async () => {
    const other = await createAccount(server.database.db, 'tenant-b@example.com', server.services.clock());
    rawKeys.push(other.key.key);
    for (const [method, suffix, body] of [
      ['PATCH', '', { name: 'mine now' }],
      ['DELETE', '', undefined],
      ['POST', '/rotate', undefined],
    ] as const) {
      for (const id of [other.key.id, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const response = await api(server.url, method, `/keys/${id}${suffix}`, {
          key: server.adminKey,
          body,
        });
        expect(response.status, `${method} ${id}`).toBe(404);
        expect(response.body.error.code).toBe('APIKEY_006');
      }
    }
    const list = await api(server.url, 'GET', '/keys?limit=100', { key: server.adminKey });
    expect(list.body.data.map((k: { id: string }) => k.id)).not.toContain(other.key.id);
    const theirs = await api(server.url, 'GET', '/keys/me', { key: other.key.key });
    expect(theirs.body.data.name).toBe('initial admin key');
    const audit = await api(server.url, 'GET', '/audit-log?limit=100', { key: other.key.key });
    expect(audit.body.data).toEqual([]);
  });

  it('pages through keys with a cursor, newest first, without repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=3&cursor=${cursor}` : '?limit=3';
      const page = await api(server.url, 'GET', `/keys${query}`, { key: server.adminKey });
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((k: { id: string }) => k.id));
      cursor = page.body.meta.pagination.next_cursor;
      server.advance(1_000);
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const all = await api(server.url, 'GET', '/keys?limit=100', { key: server.adminKey });
    expect(seen).toEqual(all.body.data.map((k: { id: string }) => k.id));
    const bad = await api(server.url, 'GET', '/keys?cursor=garbage', { key: server.adminKey });
    expect(bad.status).toBe(400);
  });
});

describe('secrets at rest', () => {
  it('stores no raw key anywhere, only hashes', async () => {
    // An idempotent create stores its response (with the secret) for replays: it must be sealed.
    const idem = await api(server.url, 'POST', '/keys', {
      key: server.adminKey,
      headers: { 'idempotency-key': 'secret-at-rest' },
      body: { name: 'idempotent', scopes: ['read'] },
    });
    expect(idem.status).toBe(201);
    rawKeys.push(idem.body.data.key);

    const tables = await queryRows<{ table_name: string }>(
      server.database.db,
      sql`select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`,
    );
    expect(tables.length).toBeGreaterThan(3);
    let dump = '';
    for (const { table_name } of tables) {
      const rows = await queryRows<Record<string, unknown>>(
        server.database.db,
        sql.raw(`select * from "${table_name}"`),
      );
      dump += JSON.stringify(rows);
    }
    expect(rawKeys.length).toBeGreaterThan(30);
    for (const raw of rawKeys) {
      expect(dump).not.toContain(raw);
      expect(dump).not.toContain(raw.slice(8));
    }
    expect(dump).toContain(hashApiKey(server.adminKey));
  });
});

describe('guessing keys', () => {
  it('rate-limits failed authentication by address', async () => {
    server.advance(61_000);
    // All 21 attempts fall in one burst window however slow the machine is.
    server.pause();
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      const response = await api(server.url, 'GET', '/keys/me', {
        key: `is_live_${String(i).padStart(43, 'x')}`,
      });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses[20]).toBe(429);
  });
});

describe('cached key lookups', () => {
  it('serve a used key without a query, and drop it when the database changes it behind the API', async () => {
    server.advance(61_000);
    const { id, key } = await newKey(['read']);
    expect((await api(server.url, 'GET', '/keys/me', { key })).status).toBe(200);
    // Changed by another process (or by hand): the api_keys trigger notifies every server.
    await server.database.db
      .update(apiKeys)
      .set({ revokedAt: server.services.clock() })
      .where(eq(apiKeys.id, id));
    await vi.waitFor(async () => {
      const response = await api(server.url, 'GET', '/keys/me', { key });
      expect(response.body.error?.code).toBe('APIKEY_003');
    });
  });
});
