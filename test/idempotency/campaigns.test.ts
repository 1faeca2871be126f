/**
 * Idempotency-Key on POST /campaigns: replay, body conflicts, key validation, scoping, retention and
 * replayed extra headers.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../db/schema.ts';
import { IDEMPOTENCY_TTL_MS } from '../../src/pipeline/idempotency.ts';
import { createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import {
  campaignBody,
  campaignRowsNamed,
  clearRateLimits,
  expectBadRequest,
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

describe('POST /campaigns replay', () => {
  it('replays the first 2xx response for the same key and body without executing again', async () => {
    const body = campaignBody('replay');
    const idempotencyKey = newIdempotencyKey();
    const first = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(first.body.data.name).toBe(body.name);

    const second = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(second.status).toBe(first.status);
    expect(second.body).toEqual(first.body);
    expect(second.body.data.id).toBe(first.body.data.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.headers.get('access-control-expose-headers')).toContain('Idempotent-Replayed');
    // A replay is a new HTTP request: its own request id.
    expect(second.headers.get('x-request-id')).not.toBe(first.headers.get('x-request-id'));

    expect(await campaignRowsNamed(server, body.name)).toBe(1);
    const [record, ...others] = await idempotencyRows(server, {
      principal: `key:${adminKeyId}`,
      operationId: 'campaigns.create',
      key: idempotencyKey,
    });
    expect(others).toHaveLength(0);
    expect(record?.state).toBe('completed');
    expect(record?.responseStatus).toBe(201);
    expect(openStoredResponse(server, record).body).toEqual(first.body);
  });

  it('treats the same body with its JSON keys in another order as the same request', async () => {
    const idempotencyKey = newIdempotencyKey();
    const name = campaignBody('order').name;
    const first = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey,
      rawBody: JSON.stringify({
        name,
        objective_type: 'venue_dj',
        location: 'Brooklyn, NY',
        radius_miles: 10,
        keywords: ['live music'],
        followup_days: [3, 7],
      }),
    });
    expect(first.status).toBe(201);

    const reordered = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey,
      rawBody: JSON.stringify({
        followup_days: [3, 7],
        keywords: ['live music'],
        radius_miles: 10,
        location: 'Brooklyn, NY',
        objective_type: 'venue_dj',
        name,
      }),
    });
    expect(reordered.status).toBe(201);
    expect(reordered.headers.get('idempotent-replayed')).toBe('true');
    expect(reordered.body).toEqual(first.body);
    expect(await campaignRowsNamed(server, name)).toBe(1);
  });

  it('executes every request without an Idempotency-Key', async () => {
    const body = campaignBody('no key');
    const a = await postWithKey(server, '/campaigns', { key: server.adminKey, body });
    const b = await postWithKey(server, '/campaigns', { key: server.adminKey, body });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.body.data.id).not.toBe(b.body.data.id);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(await campaignRowsNamed(server, body.name)).toBe(2);
  });
});

describe('same key, different body', () => {
  it('answers 409 SERVER_016 saying the key was used with a different body, and creates nothing', async () => {
    const idempotencyKey = newIdempotencyKey();
    const body = campaignBody('conflict');
    const first = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(first.status).toBe(201);

    const other = { ...body, name: `${body.name} changed` };
    const second = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey,
      body: other,
    });
    expectConflict(second, /different request body/);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    // Not a transient condition: retrying the same thing will not help.
    expect(second.headers.get('retry-after')).toBeNull();

    expect(await campaignRowsNamed(server, body.name)).toBe(1);
    expect(await campaignRowsNamed(server, other.name)).toBe(0);

    // The original is still replayable afterwards.
    const again = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });

  it('counts a defaulted field sent explicitly as the same validated request', async () => {
    const idempotencyKey = newIdempotencyKey();
    const body = campaignBody('defaults');
    const first = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(first.status).toBe(201);
    // max_results defaults to 50 and status to draft: the validated input is identical.
    const explicit = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey,
      body: { ...body, max_results: 50, status: 'draft' },
    });
    expect(explicit.status).toBe(201);
    expect(explicit.headers.get('idempotent-replayed')).toBe('true');
    expect(explicit.body).toEqual(first.body);

    const changed = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey,
      body: { ...body, max_results: 51 },
    });
    expectConflict(changed, /different request body/);
    expect(await campaignRowsNamed(server, body.name)).toBe(1);
  });
});

describe('Idempotency-Key validation', () => {
  const invalid: [string, string][] = [
    ['no characters (an empty header value)', ''],
    ['256 characters', 'a'.repeat(256)],
    ['a space', 'has space'],
    ['a non-ASCII letter', 'cl\u00e4im'],
    ['a slash', 'a/b'],
    ['a comma', 'a,b'],
    ['a colon', 'a:b'],
  ];
  it.each(invalid)('rejects a key with %s with 400 SERVER_002 before executing', async (_label, value) => {
    const body = campaignBody('bad key');
    const response = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey: value,
      body,
    });
    expectBadRequest(response);
    expect(response.body.error.message).toMatch(/Idempotency-Key/);
    expect(await campaignRowsNamed(server, body.name)).toBe(0);
  });

  it('accepts 255 characters of the whole allowed alphabet and replays with it', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-';
    const value = alphabet.repeat(4).slice(0, 255);
    expect(value).toHaveLength(255);
    const body = campaignBody('long key');
    const first = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey: value,
      body,
    });
    expect(first.status).toBe(201);
    const second = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey: value,
      body,
    });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.data.id).toBe(first.body.data.id);
    expect(await campaignRowsNamed(server, body.name)).toBe(1);
  });

  it('accepts a one-character key', async () => {
    const body = campaignBody('short key');
    const response = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey: '-',
      body,
    });
    expect(response.status).toBe(201);
  });

  it('treats keys case-sensitively', async () => {
    const suffix = newIdempotencyKey();
    const body = campaignBody('case');
    const lower = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey: `abc${suffix}`,
      body,
    });
    const upper = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey: `ABC${suffix}`,
      body,
    });
    expect([lower.status, upper.status]).toEqual([201, 201]);
    expect(upper.headers.get('idempotent-replayed')).toBeNull();
    expect(await campaignRowsNamed(server, body.name)).toBe(2);
  });
});

describe('scoping', () => {
  it('keeps the same key value on POST /keys and POST /campaigns apart', async () => {
    const idempotencyKey = newIdempotencyKey('shared');
    const body = campaignBody('scope op');
    const campaign = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(campaign.status).toBe(201);

    const keyName = `scope key ${idempotencyKey}`;
    const key = await postWithKey(server, '/keys', {
      key: server.adminKey,
      idempotencyKey,
      body: { name: keyName, scopes: ['read'] },
    });
    expect(key.status).toBe(201);
    expect(key.headers.get('idempotent-replayed')).toBeNull();
    expect(key.body.data.name).toBe(keyName);
    expect(key.body.data.key).toMatch(/^is_live_/);

    expect(await campaignRowsNamed(server, body.name)).toBe(1);
    expect(await keyRowsNamed(server, keyName)).toBe(1);
    const records = await idempotencyRows(server, { key: idempotencyKey });
    expect(records.map((r) => r.operationId).sort()).toEqual(['campaigns.create', 'keys.create']);
  });

  it('keeps two API keys (principals) apart: the same key value executes for each', async () => {
    const other = await createKey(server.url, server.adminKey, ['write', 'read']);
    const idempotencyKey = newIdempotencyKey('principal');
    const body = campaignBody('scope principal');
    const a = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    const b = await postWithKey(server, '/campaigns', { key: other.key, idempotencyKey, body });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(b.headers.get('idempotent-replayed')).toBeNull();
    expect(b.body.data.id).not.toBe(a.body.data.id);
    expect(await campaignRowsNamed(server, body.name)).toBe(2);

    const records = await idempotencyRows(server, { operationId: 'campaigns.create', key: idempotencyKey });
    expect(records.map((r) => r.principal).sort()).toEqual([`key:${adminKeyId}`, `key:${other.id}`].sort());

    // Each principal then replays its own response.
    const replayB = await postWithKey(server, '/campaigns', { key: other.key, idempotencyKey, body });
    expect(replayB.headers.get('idempotent-replayed')).toBe('true');
    expect(replayB.body.data.id).toBe(b.body.data.id);
  });
});

describe('non-2xx outcomes', () => {
  it('does not claim the key for a 422: the corrected body then executes with the same key', async () => {
    const idempotencyKey = newIdempotencyKey('invalid');
    const body = campaignBody('fix me');
    const invalid = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey,
      body: { ...body, max_results: 0 },
    });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.code).toBe('SERVER_005');
    expect(await idempotencyRows(server, { key: idempotencyKey })).toHaveLength(0);

    const fixed = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(fixed.status).toBe(201);
    expect(fixed.headers.get('idempotent-replayed')).toBeNull();
    expect(await campaignRowsNamed(server, body.name)).toBe(1);
  });

  it('does not claim the key when the caller lacks the scope (403)', async () => {
    const reader = await createKey(server.url, server.adminKey, ['read']);
    const idempotencyKey = newIdempotencyKey('scope');
    const body = campaignBody('forbidden');
    const response = await postWithKey(server, '/campaigns', { key: reader.key, idempotencyKey, body });
    expect(response.status).toBe(403);
    expect(await idempotencyRows(server, { key: idempotencyKey })).toHaveLength(0);
    expect(await campaignRowsNamed(server, body.name)).toBe(0);
  });
});

describe('retention', () => {
  it('replays within 24 h and executes again once the record is older than 24 h', async () => {
    const idempotencyKey = newIdempotencyKey('ttl');
    const body = campaignBody('retention');
    const first = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(first.status).toBe(201);

    server.advance(IDEMPOTENCY_TTL_MS - 60_000);
    const stillCached = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey,
      body,
    });
    expect(stillCached.status).toBe(201);
    expect(stillCached.headers.get('idempotent-replayed')).toBe('true');
    expect(stillCached.body.data.id).toBe(first.body.data.id);
    expect(await campaignRowsNamed(server, body.name)).toBe(1);

    server.advance(2 * 60_000); // now 24 h + 1 min after the first request
    const fresh = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(fresh.status).toBe(201);
    expect(fresh.headers.get('idempotent-replayed')).toBeNull();
    expect(fresh.body.data.id).not.toBe(first.body.data.id);
    expect(await campaignRowsNamed(server, body.name)).toBe(2);

    // The expired record was replaced, not duplicated; the new one replays.
    const records = await idempotencyRows(server, { operationId: 'campaigns.create', key: idempotencyKey });
    expect(records).toHaveLength(1);
    const replay = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.data.id).toBe(fresh.body.data.id);
  });

  it('lets an expired key be reused with a different body', async () => {
    const idempotencyKey = newIdempotencyKey('ttl-body');
    const body = campaignBody('retention a');
    const first = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(first.status).toBe(201);
    server.advance(IDEMPOTENCY_TTL_MS + 60_000);
    const other = campaignBody('retention b');
    const second = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey,
      body: other,
    });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
    expect(await campaignRowsNamed(server, other.name)).toBe(1);
  });
});

describe('stored response headers', () => {
  it('replays the extra headers stored with the response', async () => {
    const idempotencyKey = newIdempotencyKey('headers');
    const body = campaignBody('headers');
    const first = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(first.status).toBe(201);
    expect(first.headers.get('payment-response')).toBeNull();

    // As a paid request would have stored its payment receipt: rewrite the stored headers.
    const [record] = await idempotencyRows(server, {
      principal: `key:${adminKeyId}`,
      operationId: 'campaigns.create',
      key: idempotencyKey,
    });
    const stored = openStoredResponse(server, record);
    expect(stored.headers).toEqual({});
    const updated = await server.services.db
      .update(idempotencyKeys)
      .set({
        responseSealed: server.services.sealer.seal(
          JSON.stringify({ ...stored, headers: { 'PAYMENT-RESPONSE': 'abc' } }),
        ),
      })
      .where(and(eq(idempotencyKeys.id, record?.id ?? ''), eq(idempotencyKeys.state, 'completed')))
      .returning({ id: idempotencyKeys.id });
    expect(updated).toHaveLength(1);

    const replay = await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey, body });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('payment-response')).toBe('abc');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(await campaignRowsNamed(server, body.name)).toBe(1);
  });
});
