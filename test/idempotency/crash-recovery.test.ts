/**
 * An in-flight claim left behind by a crashed request: taken over once its lease has run out, a 409
 * SERVER_016 saying in Retry-After when its lease runs out while it still runs.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../db/schema.ts';
import { campaignsCreate } from '../../src/operations/campaigns/create.ts';
import {
  completeIdempotencyKey,
  IDEMPOTENCY_LEASE_MS,
  IDEMPOTENCY_TTL_MS,
  releaseIdempotencyKey,
  requestHash,
} from '../../src/pipeline/idempotency.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import {
  campaignBody,
  campaignRowsNamed,
  clearRateLimits,
  expectConflict,
  idempotencyRows,
  keyIdOf,
  newIdempotencyKey,
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

/** The hash the pipeline computes: over the validated input, defaults applied. */
function hashOf(body: Record<string, unknown>): string {
  return requestHash(campaignsCreate.input.parse(body));
}

/** Inserts the claim a request that crashed mid-way would have left. */
async function insertAbandonedClaim(options: {
  key: string;
  hash: string;
  lockedUntil: Date;
  createdAt?: Date;
}): Promise<{ token: string }> {
  const now = server.services.clock();
  const token = randomUUID();
  await server.services.db.insert(idempotencyKeys).values({
    principal: `key:${adminKeyId}`,
    operationId: 'campaigns.create',
    key: options.key,
    requestHash: options.hash,
    state: 'in_flight',
    claimToken: token,
    lockedUntil: options.lockedUntil,
    expiresAt: new Date((options.createdAt ?? now).getTime() + IDEMPOTENCY_TTL_MS),
    createdAt: options.createdAt ?? now,
  });
  return { token };
}

describe('crash recovery', () => {
  it('takes over an in-flight claim whose lease has run out and completes it', async () => {
    const idempotencyKey = newIdempotencyKey('crashed');
    const body = campaignBody('crashed');
    const now = server.services.clock();
    const { token } = await insertAbandonedClaim({
      key: idempotencyKey,
      hash: hashOf(body),
      createdAt: new Date(now.getTime() - IDEMPOTENCY_LEASE_MS - 1_000),
      lockedUntil: new Date(now.getTime() - 1_000),
    });

    const response = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(response.status).toBe(201);
    expect(response.headers.get('idempotent-replayed')).toBeNull();
    expect(await campaignRowsNamed(server, body.name)).toBe(1);

    const [record, ...others] = await idempotencyRows(server, {
      principal: `key:${adminKeyId}`,
      operationId: 'campaigns.create',
      key: idempotencyKey,
    });
    expect(others).toHaveLength(0);
    expect(record?.state).toBe('completed');
    expect(record?.claimToken).not.toBe(token);

    const replay = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(response.body);
    expect(await campaignRowsNamed(server, body.name)).toBe(1);
  });

  it('lets the crashed holder neither complete nor release a claim taken over from it', async () => {
    const idempotencyKey = newIdempotencyKey('zombie');
    const body = campaignBody('zombie');
    const now = server.services.clock();
    const { token } = await insertAbandonedClaim({
      key: idempotencyKey,
      hash: hashOf(body),
      lockedUntil: new Date(now.getTime() - 1_000),
    });
    const response = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(response.status).toBe(201);
    const [record] = await idempotencyRows(server, { key: idempotencyKey });
    if (!record) throw new Error('no idempotency record');

    // The original request wakes up and tries to finish with its old token.
    const stale = { id: record.id, token };
    const late = completeIdempotencyKey(server.services.db, server.services.sealer, stale, {
      status: 201,
      body: { success: true, data: { id: 'late' } },
      headers: {},
    });
    await expect(late).rejects.toMatchObject({ code: 'SERVER_016' });
    await releaseIdempotencyKey(server.services.db, stale);

    const replay = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(response.body);
  });

  it('answers 409 SERVER_016 with the remaining lease seconds in Retry-After while the claim is still leased', async () => {
    const idempotencyKey = newIdempotencyKey('running');
    const body = campaignBody('running');
    const now = server.services.clock();
    await insertAbandonedClaim({
      key: idempotencyKey,
      hash: hashOf(body),
      lockedUntil: new Date(now.getTime() + IDEMPOTENCY_LEASE_MS),
    });

    const response = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expectConflict(response, /in flight/);
    // Retry-After says when the lease runs out.
    expect(response.headers.get('retry-after')).toBe(String(IDEMPOTENCY_LEASE_MS / 1000));
    expect(response.headers.get('idempotent-replayed')).toBeNull();
    expect(await campaignRowsNamed(server, body.name)).toBe(0);
    const [record] = await idempotencyRows(server, { key: idempotencyKey });
    expect(record?.state).toBe('in_flight');

    // Once the lease has run out, the next retry takes the claim over.
    server.advance(IDEMPOTENCY_LEASE_MS + 1_000);
    const later = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(later.status).toBe(201);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(await campaignRowsNamed(server, body.name)).toBe(1);
  });

  it('answers a different body on an abandoned claim with 409 (different body), not a takeover', async () => {
    const idempotencyKey = newIdempotencyKey('crashed-other');
    const original = campaignBody('crashed original');
    const now = server.services.clock();
    await insertAbandonedClaim({
      key: idempotencyKey,
      hash: hashOf(original),
      lockedUntil: new Date(now.getTime() - 1_000),
    });
    const other = campaignBody('crashed other');
    const response = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey,
      body: other,
    });
    expectConflict(response, /different request body/);
    expect(await campaignRowsNamed(server, other.name)).toBe(0);
  });

  it('takes over an expired claim (older than 24 h) even with another body', async () => {
    const idempotencyKey = newIdempotencyKey('stale');
    const now = server.services.clock();
    await insertAbandonedClaim({
      key: idempotencyKey,
      hash: hashOf(campaignBody('stale original')),
      createdAt: new Date(now.getTime() - IDEMPOTENCY_TTL_MS - 60_000),
      lockedUntil: new Date(now.getTime() - IDEMPOTENCY_TTL_MS),
    });
    const body = campaignBody('stale retry');
    const response = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(response.status).toBe(201);
    expect(await campaignRowsNamed(server, body.name)).toBe(1);
    expect(await idempotencyRows(server, { key: idempotencyKey })).toHaveLength(1);
  });

  it('computes the same hash as the pipeline (sanity check of the fixture)', () => {
    const body = { name: 'x', objective_type: 'venue_dj' };
    expect(hashOf(body)).toBe(hashOf({ objective_type: 'venue_dj', name: 'x', max_results: 50 }));
    expect(hashOf(body)).not.toBe(hashOf({ ...body, name: 'y' }));
  });
});
