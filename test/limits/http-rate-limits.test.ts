/**
 * Rate limits over HTTP against a real server, with the in-process store (the default) and with the
 * postgres store. Windows are moved on with the server clock (`advance`), never by sleeping. The server
 * clock is paused during each test, so "20 requests within one second" holds however slow the machine
 * is (on a loaded machine 21 requests can take several hundred ms, too close to a second to rely on).
 */
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { expectNotLimited, expectRateLimitedResponse } from './support.ts';

/**
 * Stops the server clock (it no longer follows real time; `advance` still moves it) and returns the
 * function that restarts it. The clock is first moved ten minutes ahead of real time so the stores'
 * sweeps, which run on wall-clock time, never treat a window of the paused clock as already over.
 * (The paused reading is kept here rather than derived from the live clock minus elapsed real time:
 * two Date.now() calls can straddle a millisecond tick and make such a clock jitter.)
 */
function pauseClock(server: TestServer): () => void {
  server.advance(600_000);
  const live = server.services.clock;
  const liveAdvance = server.advance;
  let pausedMs = live().getTime();
  server.services.clock = () => new Date(pausedMs);
  server.advance = (ms: number) => {
    liveAdvance(ms);
    pausedMs += ms;
  };
  return () => {
    server.services.clock = live;
    server.advance = liveAdvance;
  };
}

describe.each(['memory', 'postgres'] as const)('RATE_LIMIT_STORE=%s', (storeKind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ RATE_LIMIT_STORE: storeKind });
  });
  afterAll(() => server?.close());
  let resumeClock: (() => void) | undefined;
  beforeEach(() => {
    resumeClock = pauseClock(server);
  });
  afterEach(() => resumeClock?.());

  /** The server's clock, ms since epoch (real time plus what the test advanced). */
  const serverNow = () => server.services.clock().getTime();
  const me = (key: string) => api(server.url, 'GET', '/keys/me', { key });
  let campaignNumber = 0;
  const createCampaign = (key: string) => {
    campaignNumber += 1;
    return api(server.url, 'POST', '/campaigns', {
      key,
      body: { name: `rate limit ${campaignNumber}`, objective_type: 'product_promotion' },
    });
  };

  async function counters(keyId: string): Promise<Record<string, number>> {
    const rows = await queryRows<{ bucket: string; count: number }>(
      server.database.db,
      sql`select bucket, count from rate_limit_counters where bucket like ${`key:${keyId}:%`}`,
    );
    return Object.fromEntries(rows.map((r) => [r.bucket.slice(`key:${keyId}:`.length), Number(r.count)]));
  }

  it('passes 20 requests in one second, answers the 21st with 429 RATE_001, and passes again after the window', async () => {
    const a = await createKey(server.url, server.adminKey, ['read']);
    const b = await createKey(server.url, server.adminKey, ['read']);

    const start = serverNow();
    for (let i = 1; i <= 20; i++) expectNotLimited(await me(a.key), 200);
    const limited = await me(a.key);
    // Another key is unaffected while this one is limited …
    const otherKey = await me(b.key);
    // … and this one is still limited (still inside its one-second window).
    const again = await me(a.key);
    // The clock is paused: all of these were handled at one server instant.
    expect(serverNow()).toBe(start);

    const retryAfter = expectRateLimitedResponse(
      limited,
      20,
      { min: start + 1_000, max: start + 1_000 },
      { min: start, max: start },
    );
    expect(retryAfter).toBe(1);
    expectNotLimited(otherKey, 200);
    expectRateLimitedResponse(
      again,
      20,
      { min: start + 1_000, max: start + 1_000 },
      { min: start, max: start },
    );

    // Still the same window 999 ms later; a new one at +1000 ms (window reset).
    server.advance(999);
    expect((await me(a.key)).status).toBe(429);
    server.advance(1);
    expectNotLimited(await me(a.key), 200);

    if (storeKind === 'postgres') {
      // The counts live in the database: 20 passed + 3 limited in the first window, 1 in the new one.
      expect(await counters(a.id)).toEqual({ global: 24, burst: 1 });
    } else {
      expect(await counters(a.id)).toEqual({});
    }
  });

  it('limits campaign mutations to 30 per minute, per key, leaving reads alone', async () => {
    const writer = await createKey(server.url, server.adminKey, ['read', 'write']);
    const otherWriter = await createKey(server.url, server.adminKey, ['read', 'write']);

    const start = serverNow();
    for (let i = 1; i <= 20; i++) expectNotLimited(await createCampaign(writer.key), 201);
    // Stay under the burst limit (20/s): move on one second between batches.
    server.advance(1_000);
    for (let i = 21; i <= 30; i++) expectNotLimited(await createCampaign(writer.key), 201);

    const limited = await createCampaign(writer.key);
    const retryAfter = expectRateLimitedResponse(
      limited,
      30,
      { min: start + 60_000, max: start + 60_000 },
      { min: start + 1_000, max: start + 1_000 },
    );
    expect(retryAfter).toBe(59);

    // The limited request created nothing.
    const [row] = await queryRows<{ n: number | string }>(
      server.database.db,
      sql`select count(*) as n from campaigns where name like 'rate limit %'`,
    );
    expect(Number(row?.n)).toBe(30);

    // Reads are not campaign mutations, and another key has its own campaign bucket.
    expectNotLimited(await api(server.url, 'GET', '/campaigns', { key: writer.key }), 200);
    expectNotLimited(await createCampaign(otherWriter.key), 201);

    // Limited up to the end of the minute that started with the first mutation, free after it.
    server.advance(58_999);
    const lastMs = await createCampaign(writer.key);
    expectRateLimitedResponse(
      lastMs,
      30,
      { min: start + 60_000, max: start + 60_000 },
      { min: start + 59_999, max: start + 59_999 },
    );
    server.advance(1);
    expectNotLimited(await createCampaign(writer.key), 201);
  });

  it('limits a key to 120 requests per minute overall', async () => {
    const reader = await createKey(server.url, server.adminKey, ['read']);

    const start = serverNow();
    const statuses: number[] = [];
    for (let burst = 0; burst < 6; burst++) {
      for (let i = 0; i < 20; i++) statuses.push((await me(reader.key)).status);
      // Each burst of 20 gets a fresh one-second window.
      server.advance(1_000);
    }
    expect(statuses).toEqual(Array(120).fill(200));

    const limited = await me(reader.key);
    expect(
      expectRateLimitedResponse(
        limited,
        120,
        { min: start + 60_000, max: start + 60_000 },
        { min: start + 6_000, max: start + 6_000 },
      ),
    ).toBe(54);
    // Any route counts: a campaign list is refused as well.
    const list = await api(server.url, 'GET', '/campaigns', { key: reader.key });
    expectRateLimitedResponse(
      list,
      120,
      { min: start + 60_000, max: start + 60_000 },
      { min: start + 6_000, max: start + 6_000 },
    );

    server.advance(53_999);
    expect((await me(reader.key)).status).toBe(429);
    server.advance(1);
    expectNotLimited(await me(reader.key), 200);
  });
});
