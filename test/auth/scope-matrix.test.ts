/**
 * The security matrix, generated over every registered operation: no key, malformed key, unknown key,
 * revoked, expired, missing scope, and `*`. A new operation is covered the moment it is registered.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeys } from '../../db/schema.ts';
import { SCOPES, type Scope } from '../../src/domain/principal.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import { operations } from '../../src/operations/registry.ts';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
let revokedKey: string;
let expiredKey: string;
/** For each scope, a key holding every scope but that one. */
const keysWithout = new Map<Scope, string>();
let readOnlyKey: string;

beforeAll(async () => {
  server = await startTestServer();
  for (const scope of SCOPES) {
    keysWithout.set(
      scope,
      (
        await createKey(
          server.url,
          server.adminKey,
          SCOPES.filter((s) => s !== scope),
        )
      ).key,
    );
  }
  readOnlyKey = (await createKey(server.url, server.adminKey, ['read'])).key;
  const revoked = await createKey(server.url, server.adminKey, ['*']);
  expect((await api(server.url, 'DELETE', `/keys/${revoked.id}`, { key: server.adminKey })).status).toBe(200);
  revokedKey = revoked.key;
  const expired = await createKey(server.url, server.adminKey, ['*']);
  await server.database.db
    .update(apiKeys)
    .set({ expiresAt: new Date('2020-01-01T00:00:00.000Z') })
    .where(eq(apiKeys.id, expired.id));
  expiredKey = expired.key;
});
afterAll(() => server.close());

function call(operation: Operation, key: string | undefined, headers: Record<string, string> = {}) {
  // Stay clear of the per-key limits: each call starts in fresh one-second and one-minute windows.
  server.advance(61_000);
  const path = operation.path.replace(/:([A-Za-z0-9_]+)/g, () => randomUUID());
  return api(server.url, operation.method, path, {
    key,
    headers,
    body: operation.method === 'GET' ? undefined : {},
  });
}

describe.each(operations.map((op) => [op.id, op] as const))('%s', (_id, operation) => {
  it('without a key: 401 APIKEY_001 with WWW-Authenticate', async () => {
    const response = await call(operation, undefined);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('APIKEY_001');
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('with a malformed key: 401 APIKEY_001', async () => {
    const response = await call(operation, 'not-a-key');
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('APIKEY_001');
  });

  it('with a well-formed unknown key: 401 APIKEY_001', async () => {
    const response = await call(operation, `is_live_${'A'.repeat(43)}`);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('APIKEY_001');
  });

  it('with another Authorization scheme: 401 AUTH_001', async () => {
    const response = await call(operation, undefined, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('AUTH_001');
  });

  it('with a revoked key: 401 APIKEY_003', async () => {
    const response = await call(operation, revokedKey);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('APIKEY_003');
  });

  it('with an expired key: 401 APIKEY_002', async () => {
    const response = await call(operation, expiredKey);
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe('APIKEY_002');
  });

  if (operation.scope !== 'none') {
    const scope = operation.scope;
    it(`without scope ${scope}: 403 APIKEY_004 naming it`, async () => {
      const response = await call(operation, keysWithout.get(scope));
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('APIKEY_004');
      expect(response.body.error.message).toBe(`API key missing required scope: ${scope}`);
    });
  } else {
    it('works with any scope (a read-only key)', async () => {
      const response = await call(operation, readOnlyKey);
      expect(response.status).toBe(200);
    });
  }

  it('with scope *: passes authentication and the scope check', async () => {
    const response = await call(operation, server.adminKey);
    expect(response.status).not.toBe(401);
    // A business rule may still refuse (credits belong to agents: AUTH_002), never the scope check.
    if (response.status === 403) expect(response.body.error.code).toBe('AUTH_002');
    expect(response.status).toBeLessThan(500);
  });
});
