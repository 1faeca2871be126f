/**
 * Concurrent duplicates: many requests with one Idempotency-Key at once execute the operation once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiResponse } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import {
  campaignBody,
  campaignRowsNamed,
  clearRateLimits,
  idempotencyRows,
  keyIdOf,
  keyRowsNamed,
  newIdempotencyKey,
  postWithKey,
} from './support.ts';

/** The burst limit is 20 requests per second per key: exactly that many fit in one fresh window. */
const PARALLEL = 20;

let server: TestServer;
let adminKeyId: string;

beforeAll(async () => {
  server = await startTestServer();
  adminKeyId = await keyIdOf(server, server.adminKey);
});
afterAll(() => server.close());
beforeEach(() => clearRateLimits(server));

/** Every response is a 201 (original or replay of it) or a 409 SERVER_016 with Retry-After: 1. */
function expectOneExecution(responses: ApiResponse[]): ApiResponse {
  const unexpected = responses.filter(
    (r) =>
      !(
        r.status === 201 ||
        (r.status === 409 && r.body?.error?.code === 'SERVER_016' && r.headers.get('retry-after') === '1')
      ),
  );
  expect(unexpected.map((r) => `${r.status} ${r.text}`)).toEqual([]);

  const created = responses.filter((r) => r.status === 201);
  const originals = created.filter((r) => r.headers.get('idempotent-replayed') === null);
  expect(originals).toHaveLength(1);
  const original = originals[0] as ApiResponse;
  for (const replay of created.filter((r) => r !== original)) {
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(original.body);
  }
  for (const conflict of responses.filter((r) => r.status === 409)) {
    expect(conflict.headers.get('idempotent-replayed')).toBeNull();
    expect(conflict.body.error.message).toMatch(/in flight/);
  }
  return original;
}

describe('concurrent duplicates', () => {
  it(`POST /campaigns: ${PARALLEL} parallel requests with one key and body create one campaign`, async () => {
    const idempotencyKey = newIdempotencyKey('race');
    const body = campaignBody('race');
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body }),
      ),
    );
    const original = expectOneExecution(responses);
    expect(original.body.data.name).toBe(body.name);
    expect(await campaignRowsNamed(server, body.name)).toBe(1);

    const records = await idempotencyRows(server, {
      principal: `key:${adminKeyId}`,
      operationId: 'campaigns.create',
      key: idempotencyKey,
    });
    expect(records).toHaveLength(1);
    expect(records[0]?.state).toBe('completed');

    // Once settled, a retry is a replay of that one campaign.
    clearRateLimits(server);
    const retry = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.data.id).toBe(original.body.data.id);
  });

  it(`POST /keys: ${PARALLEL} parallel requests with one key and body create one API key`, async () => {
    const idempotencyKey = newIdempotencyKey('race-key');
    const name = `race key ${idempotencyKey}`;
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        postWithKey(server, '/keys', {
          key: server.adminKey,
          idempotencyKey,
          body: { name, scopes: ['read'] },
        }),
      ),
    );
    const original = expectOneExecution(responses);
    expect(original.body.data.key).toMatch(/^is_live_/);
    expect(await keyRowsNamed(server, name)).toBe(1);
  });

  it('parallel requests with one key but different bodies: one executes, the rest conflict', async () => {
    const idempotencyKey = newIdempotencyKey('race-bodies');
    const bodies = Array.from({ length: 10 }, (_, i) => campaignBody(`race body ${i}`));
    const responses = await Promise.all(
      bodies.map((body) => postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body })),
    );
    const created = responses.filter((r) => r.status === 201);
    expect(created).toHaveLength(1);
    expect(created[0]?.headers.get('idempotent-replayed')).toBeNull();
    for (const r of responses.filter((x) => x.status !== 201)) {
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('SERVER_016');
    }
    let rows = 0;
    for (const body of bodies) rows += await campaignRowsNamed(server, body.name);
    expect(rows).toBe(1);
  });
});
