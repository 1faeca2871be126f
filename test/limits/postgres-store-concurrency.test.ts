/**
 * The postgres rate-limit store under concurrent hits: every hit must be counted exactly once (no lost
 * update, no duplicate window start), also across two connection pools as two processes would have. The hits
 * really run in parallel (pool of 10 connections per Database).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase, queryRows } from '../../db/client.ts';
import { enforceRateLimit } from '../../src/pipeline/rate-limit/limits.ts';
import { createPostgresRateLimitStore } from '../../src/pipeline/rate-limit/postgres-store.ts';
import type { RateLimitStore, WindowCount } from '../../src/pipeline/rate-limit/store.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { randomSubject, rejectionOf, T0 } from './support.ts';

const PARALLEL = 50;
const oneToFifty = Array.from({ length: PARALLEL }, (_, i) => i + 1);

let database: TestDatabase;
let store: RateLimitStore;
beforeAll(async () => {
  database = await createTestDatabase();
  store = createPostgresRateLimitStore(database.db);
});
afterAll(async () => {
  await store?.close();
  await database?.close();
});

async function storedCount(bucket: string): Promise<number | undefined> {
  const [row] = await queryRows<{ count: number }>(
    database.db,
    sql`select count from rate_limit_counters where bucket = ${bucket}`,
  );
  return row === undefined ? undefined : Number(row.count);
}

function countsOf(results: WindowCount[][], name: string): number[] {
  return results.map((counts) => counts.find((c) => c.name === name)?.count ?? -1).sort((a, b) => a - b);
}

describe('postgres rate-limit store under concurrency', () => {
  it(`counts ${PARALLEL} parallel hits on one bucket as exactly 1..${PARALLEL}`, async () => {
    const subject = randomSubject();
    const global = [{ name: 'global', windowMs: 60_000 }];
    const results = await Promise.all(oneToFifty.map(() => store.hit(subject, global, T0)));
    expect(countsOf(results, 'global')).toEqual(oneToFifty);
    for (const counts of results)
      expect(counts).toEqual([expect.objectContaining({ resetAtMs: T0 + 60_000 })]);
    expect(await storedCount(`${subject}:global`)).toBe(PARALLEL);
  });

  it('counts parallel multi-bucket hits, given in varying orders, exactly once per bucket without deadlock', async () => {
    const subject = randomSubject();
    const windows = [
      { name: 'global', windowMs: 60_000 },
      { name: 'burst', windowMs: 1_000 },
      { name: 'campaignMutations', windowMs: 60_000 },
    ];
    const results = await Promise.all(
      oneToFifty.map((i) => {
        // Rotate the order so concurrent upserts would lock rows in different orders if not sorted.
        const rotated = [...windows.slice(i % 3), ...windows.slice(0, i % 3)];
        return store.hit(subject, rotated, T0 + (i % 7));
      }),
    );
    for (const { name } of windows) {
      expect(countsOf(results, name), name).toEqual(oneToFifty);
      expect(await storedCount(`${subject}:${name}`)).toBe(PARALLEL);
    }
    // Each answer is in the order that hit asked for.
    results.forEach((counts, i) => {
      const asked = [...windows.slice((i + 1) % 3), ...windows.slice(0, (i + 1) % 3)];
      expect(counts.map((c) => c.name)).toEqual(asked.map((w) => w.name));
    });
  });

  it(`restarts an ended window exactly once when ${PARALLEL} hits arrive together after it`, async () => {
    const subject = randomSubject();
    const window = [{ name: 'campaignMutations', windowMs: 60_000 }];
    for (let i = 0; i < 7; i++) await store.hit(subject, window, T0 + i);
    const later = T0 + 60_000;
    const results = await Promise.all(oneToFifty.map(() => store.hit(subject, window, later)));
    expect(countsOf(results, 'campaignMutations')).toEqual(oneToFifty);
    for (const counts of results) {
      expect(counts).toEqual([expect.objectContaining({ resetAtMs: later + 60_000 })]);
    }
    expect(await storedCount(`${subject}:campaignMutations`)).toBe(PARALLEL);
  });

  it(`lets exactly 20 of ${PARALLEL} parallel requests of one instant through the burst limit`, async () => {
    const subject = randomSubject();
    const outcomes = await Promise.allSettled(
      oneToFifty.map(() => enforceRateLimit(store, subject, undefined, T0)),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(20);
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(rejected).toHaveLength(PARALLEL - 20);
    for (const { reason } of rejected) {
      const error = await rejectionOf(Promise.reject(reason));
      expect(error.code).toBe('RATE_001');
      expect(error.extra).toEqual({ retryAfter: 1, limit: 20, remaining: 0 });
    }
  });

  describe('two connection pools', () => {
    // Two pools stand for two server processes sharing the database.
    let second: Database;
    let secondStore: RateLimitStore;
    beforeAll(async () => {
      second = await openDatabase({ url: database.url });
      secondStore = createPostgresRateLimitStore(second.db);
    });
    afterAll(async () => {
      await secondStore?.close();
      await second?.close();
    });

    it(`counts ${PARALLEL} parallel hits split over two pools as exactly 1..${PARALLEL}`, async () => {
      const subject = randomSubject();
      const burst = [{ name: 'burst', windowMs: 1_000 }];
      const results = await Promise.all(
        oneToFifty.map((i) => (i % 2 ? store : secondStore).hit(subject, burst, T0)),
      );
      expect(countsOf(results, 'burst')).toEqual(oneToFifty);
      expect(await storedCount(`${subject}:burst`)).toBe(PARALLEL);
    });
  });
});
