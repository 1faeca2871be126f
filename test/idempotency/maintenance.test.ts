/**
 * Keeping the idempotency table healthy: expired records are swept, and a record sealed under another
 * encryption key answers a clear 409 instead of failing the request with a 500.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idempotencyKeys } from '../../db/schema.ts';
import { createSealer } from '../../src/crypto/sealer.ts';
import { sweepExpiredIdempotencyKeys } from '../../src/pipeline/idempotency.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { campaignBody, idempotencyRows, newIdempotencyKey, postWithKey } from './support.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe('idempotency maintenance', () => {
  it('sweeps only records past their 24 h retention', async () => {
    const old = newIdempotencyKey('old');
    const fresh = newIdempotencyKey('fresh');
    expect(
      (
        await postWithKey(server, '/campaigns', {
          key: server.adminKey,
          idempotencyKey: old,
          body: campaignBody('old'),
        })
      ).status,
    ).toBe(201);
    server.advance(23 * 3_600_000);
    expect(
      (
        await postWithKey(server, '/campaigns', {
          key: server.adminKey,
          idempotencyKey: fresh,
          body: campaignBody('fresh'),
        })
      ).status,
    ).toBe(201);
    server.advance(2 * 3_600_000);

    const swept = await sweepExpiredIdempotencyKeys(server.services.db, server.services.clock());
    expect(swept).toBe(1);
    expect(await idempotencyRows(server, { key: old })).toHaveLength(0);
    expect(await idempotencyRows(server, { key: fresh })).toHaveLength(1);
  });

  it('answers 409 SERVER_016 when a stored response can no longer be opened', async () => {
    server.advance(61_000);
    const key = newIdempotencyKey('rekeyed');
    const body = campaignBody('rekeyed');
    expect(
      (await postWithKey(server, '/campaigns', { key: server.adminKey, idempotencyKey: key, body })).status,
    ).toBe(201);
    const [record] = await idempotencyRows(server, { key });
    const foreign = createSealer(randomBytes(32)).seal(JSON.stringify({ body: {}, headers: {} }));
    await server.services.db
      .update(idempotencyKeys)
      .set({ responseSealed: foreign })
      .where(eq(idempotencyKeys.id, record?.id as string));

    const replay = await postWithKey(server, '/campaigns', {
      key: server.adminKey,
      idempotencyKey: key,
      body,
    });
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe('SERVER_016');
    expect(replay.body.error.message).toContain('new Idempotency-Key');
  });
});
