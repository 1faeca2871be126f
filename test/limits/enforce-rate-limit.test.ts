/**
 * enforceRateLimit over both store adapters, with explicit instants (no sleeping): counting, windows
 * anchored at the first hit, reset after the window, the RATE_001 error, and every limit of the
 * reference (global 120/min, burst 20/s, and the four class limits).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimitClass } from '../../src/operations/define-operation.ts';
import {
  BURST_LIMIT,
  CLASS_LIMITS,
  enforceRateLimit,
  GLOBAL_LIMIT,
} from '../../src/pipeline/rate-limit/limits.ts';
import { createMemoryRateLimitStore } from '../../src/pipeline/rate-limit/memory-store.ts';
import { createPostgresRateLimitStore } from '../../src/pipeline/rate-limit/postgres-store.ts';
import type { RateLimitStore } from '../../src/pipeline/rate-limit/store.ts';
import { createTestDatabase } from '../helpers/test-database.ts';
import { expectRateError, randomSubject, rejectionOf, T0 } from './support.ts';

interface OpenStore {
  store: RateLimitStore;
  close(): Promise<void>;
}

const STORES: { name: string; open(): Promise<OpenStore> }[] = [
  {
    name: 'memory store',
    async open() {
      const store = createMemoryRateLimitStore();
      return { store, close: () => store.close() };
    },
  },
  {
    name: 'postgres store',
    async open() {
      const database = await createTestDatabase();
      const store = createPostgresRateLimitStore(database.db);
      return {
        store,
        async close() {
          await store.close();
          await database.close();
        },
      };
    },
  },
];

/** Calls enforceRateLimit `count` times at instants start, start + stepMs, …; all must pass. */
async function passMany(
  store: RateLimitStore,
  subject: string,
  limitClass: RateLimitClass | undefined,
  count: number,
  start: number,
  stepMs = 0,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    await expect(
      enforceRateLimit(store, subject, limitClass, start + i * stepMs),
      `hit ${i + 1} of ${count}`,
    ).resolves.toBeDefined();
  }
}

it('declares the limits of the API reference', () => {
  expect(GLOBAL_LIMIT).toEqual({ limit: 120, windowMs: 60_000 });
  expect(BURST_LIMIT).toEqual({ limit: 20, windowMs: 1_000 });
  expect(CLASS_LIMITS).toEqual({
    campaignMutations: { limit: 30, windowMs: 60_000 },
    contactMutations: { limit: 60, windowMs: 60_000 },
    aiGeneration: { limit: 20, windowMs: 60_000 },
    discovery: { limit: 5, windowMs: 3_600_000 },
  });
});

describe.each(STORES)('$name', ({ open }) => {
  let opened: OpenStore;
  let store: RateLimitStore;
  beforeAll(async () => {
    opened = await open();
    store = opened.store;
  });
  afterAll(() => opened?.close());

  describe('store counts', () => {
    it('counts hits in a window anchored at the first hit and restarts it after the window', async () => {
      const subject = randomSubject();
      const hit = async (at: number) =>
        (await store.hit(subject, [{ name: 'burst', windowMs: 1_000 }], at))[0];
      expect(await hit(T0)).toEqual({ name: 'burst', count: 1, resetAtMs: T0 + 1_000 });
      expect(await hit(T0 + 400)).toEqual({ name: 'burst', count: 2, resetAtMs: T0 + 1_000 });
      expect(await hit(T0 + 999)).toEqual({ name: 'burst', count: 3, resetAtMs: T0 + 1_000 });
      // The window is [T0, T0 + 1000): at T0 + 1000 a new one starts, anchored at this hit.
      expect(await hit(T0 + 1_000)).toEqual({ name: 'burst', count: 1, resetAtMs: T0 + 2_000 });
      expect(await hit(T0 + 1_999)).toEqual({ name: 'burst', count: 2, resetAtMs: T0 + 2_000 });
      // A gap longer than a window: the next window starts at the next hit, not on a grid.
      expect(await hit(T0 + 5_123)).toEqual({ name: 'burst', count: 1, resetAtMs: T0 + 6_123 });
    });

    it('counts each window of one hit independently and answers in the order asked', async () => {
      const subject = randomSubject();
      const slow = { name: 'global', windowMs: 60_000 };
      const fast = { name: 'burst', windowMs: 1_000 };
      expect(await store.hit(subject, [slow, fast], T0)).toEqual([
        { name: 'global', count: 1, resetAtMs: T0 + 60_000 },
        { name: 'burst', count: 1, resetAtMs: T0 + 1_000 },
      ]);
      expect(await store.hit(subject, [fast, slow], T0 + 500)).toEqual([
        { name: 'burst', count: 2, resetAtMs: T0 + 1_000 },
        { name: 'global', count: 2, resetAtMs: T0 + 60_000 },
      ]);
      expect(await store.hit(subject, [fast], T0 + 1_500)).toEqual([
        { name: 'burst', count: 1, resetAtMs: T0 + 2_500 },
      ]);
      expect(await store.hit(subject, [slow, fast], T0 + 1_600)).toEqual([
        { name: 'global', count: 3, resetAtMs: T0 + 60_000 },
        { name: 'burst', count: 2, resetAtMs: T0 + 2_500 },
      ]);
    });

    it('keeps the windows of different subjects apart', async () => {
      const [one, two] = [randomSubject(), randomSubject()];
      const burst = [{ name: 'burst', windowMs: 1_000 }];
      expect((await store.hit(one, burst, T0))[0]?.count).toBe(1);
      expect((await store.hit(one, burst, T0))[0]?.count).toBe(2);
      expect((await store.hit(two, burst, T0))[0]?.count).toBe(1);
    });
  });

  describe('burst limit (20 per second)', () => {
    it('lets 20 requests of one instant through and rejects the 21st until the window ends', async () => {
      const subject = randomSubject();
      await passMany(store, subject, undefined, 20, T0);
      const error = await rejectionOf(enforceRateLimit(store, subject, undefined, T0 + 999));
      expectRateError(error, 20, T0 + 1_000, T0 + 999);
      expect(error.headers['Retry-After']).toBe('1');
      // Window reset: a new window starts at T0 + 1000 and holds 20 again.
      await passMany(store, subject, undefined, 20, T0 + 1_000, 10);
      expectRateError(
        await rejectionOf(enforceRateLimit(store, subject, undefined, T0 + 1_999)),
        20,
        T0 + 2_000,
        T0 + 1_999,
      );
    });

    it('anchors the window at the first hit, not at the later hits or a clock second', async () => {
      const subject = randomSubject();
      // First hit at T0 + 300; the window ends at T0 + 1300 whatever the later hits.
      await passMany(store, subject, undefined, 20, T0 + 300, 45);
      const error = await rejectionOf(enforceRateLimit(store, subject, undefined, T0 + 1_299));
      expectRateError(error, 20, T0 + 1_300, T0 + 1_299);
      await expect(enforceRateLimit(store, subject, undefined, T0 + 1_300)).resolves.toBeDefined();
    });

    it('applies the burst limit to requests of every class', async () => {
      const subject = randomSubject();
      await passMany(store, subject, 'campaignMutations', 10, T0);
      await passMany(store, subject, undefined, 10, T0 + 100);
      const error = await rejectionOf(enforceRateLimit(store, subject, 'discovery', T0 + 200));
      // discovery is at 1 of 5 here; the burst bucket is what is over.
      expectRateError(error, 20, T0 + 1_000, T0 + 200);
    });
  });

  describe('global limit (120 per minute)', () => {
    it('lets 120 requests through in a minute, rejects the 121st, and resets after the minute', async () => {
      const subject = randomSubject();
      // 10 per second, well under the burst limit.
      await passMany(store, subject, undefined, 120, T0, 100);
      const at = T0 + 12_000;
      const error = await rejectionOf(enforceRateLimit(store, subject, undefined, at));
      expectRateError(error, 120, T0 + 60_000, at);
      expect(error.extra).toEqual({ retryAfter: 48, limit: 120, remaining: 0 });
      expect(error.headers['X-RateLimit-Reset']).toBe(String(T0 + 60_000));
      await rejectionOf(enforceRateLimit(store, subject, undefined, T0 + 59_999));
      await expect(enforceRateLimit(store, subject, undefined, T0 + 60_000)).resolves.toBeDefined();
    });

    it('counts requests of every class against the global limit', async () => {
      const subject = randomSubject();
      // 120 requests, each class staying within its own limit: 20 + 30 + 60 + 4 + 6.
      const plan: (RateLimitClass | undefined)[] = [
        ...Array<RateLimitClass>(20).fill('aiGeneration'),
        ...Array<RateLimitClass>(30).fill('campaignMutations'),
        ...Array<RateLimitClass>(60).fill('contactMutations'),
        ...Array<RateLimitClass>(4).fill('discovery'),
        ...Array<undefined>(6).fill(undefined),
      ];
      expect(plan).toHaveLength(120);
      // 10 per second, under the burst limit.
      for (const [i, limitClass] of plan.entries()) {
        await expect(enforceRateLimit(store, subject, limitClass, T0 + i * 100)).resolves.toBeDefined();
      }
      // The 5th discovery search is within its class limit, but it is the 121st request of the minute.
      const at = T0 + 12_000;
      expectRateError(
        await rejectionOf(enforceRateLimit(store, subject, 'discovery', at)),
        120,
        T0 + 60_000,
        at,
      );
      expectRateError(
        await rejectionOf(enforceRateLimit(store, subject, undefined, at + 100)),
        120,
        T0 + 60_000,
        at + 100,
      );
    });
  });

  const classCases = Object.entries(CLASS_LIMITS).map(([limitClass, rule]) => ({
    limitClass: limitClass as RateLimitClass,
    ...rule,
  }));

  describe.each(classCases)(
    'class limit $limitClass ($limit per $windowMs ms)',
    ({ limitClass, limit, windowMs }) => {
      it(`lets ${limit} requests through, rejects the next with limit ${limit}, and resets after the window`, async () => {
        const subject = randomSubject();
        // 10 per second: under the burst limit and, for every class, under the global limit.
        await passMany(store, subject, limitClass, limit, T0, 100);
        const at = T0 + limit * 100;
        const error = await rejectionOf(enforceRateLimit(store, subject, limitClass, at));
        expectRateError(error, limit, T0 + windowMs, at);
        expect(error.extra.retryAfter).toBe(Math.ceil((T0 + windowMs - at) / 1000));

        // The class bucket is limited; the same subject's other requests are not.
        const other: RateLimitClass = limitClass === 'discovery' ? 'aiGeneration' : 'discovery';
        await expect(enforceRateLimit(store, subject, undefined, at + 100)).resolves.toBeDefined();
        await expect(enforceRateLimit(store, subject, other, at + 200)).resolves.toBeDefined();

        // Still limited just before the window ends, free again at its end.
        const beforeEnd = T0 + windowMs - 1;
        expectRateError(
          await rejectionOf(enforceRateLimit(store, subject, limitClass, beforeEnd)),
          limit,
          T0 + windowMs,
          beforeEnd,
        );
        await expect(enforceRateLimit(store, subject, limitClass, T0 + windowMs)).resolves.toBeDefined();
      });
    },
  );

  describe('several limits at once', () => {
    it('reports the limit with the longest wait when the burst and a class limit are both exceeded', async () => {
      const subject = randomSubject();
      await passMany(store, subject, 'campaignMutations', 20, T0);
      await passMany(store, subject, 'campaignMutations', 10, T0 + 1_000);
      // 31st campaign mutation, 11th of this second: only the class limit is over.
      const at = T0 + 1_000;
      expectRateError(
        await rejectionOf(enforceRateLimit(store, subject, 'campaignMutations', at)),
        30,
        T0 + 60_000,
        at,
      );
      // Rejected requests still count: 9 more (10 rejected so far) put the burst bucket at 20 …
      for (let i = 0; i < 9; i++)
        await rejectionOf(enforceRateLimit(store, subject, 'campaignMutations', at));
      // … and the next one exceeds burst (21 > 20) and class: the class window (59 s) wins over burst (1 s).
      const both = await rejectionOf(enforceRateLimit(store, subject, 'campaignMutations', at));
      expectRateError(both, 30, T0 + 60_000, at);
      expect(both.headers['Retry-After']).toBe('59');
    });

    it('reports the burst limit when only the burst is exceeded', async () => {
      const subject = randomSubject();
      await passMany(store, subject, 'campaignMutations', 20, T0);
      const error = await rejectionOf(enforceRateLimit(store, subject, 'campaignMutations', T0));
      expectRateError(error, 20, T0 + 1_000, T0);
    });
  });

  describe('per-subject buckets', () => {
    it('limits one subject without affecting another', async () => {
      const limited = randomSubject();
      const other = randomSubject();
      await passMany(store, limited, undefined, 20, T0);
      expectRateError(
        await rejectionOf(enforceRateLimit(store, limited, undefined, T0 + 10)),
        20,
        T0 + 1_000,
        T0 + 10,
      );
      // Same instant, another subject: a full burst of its own.
      await passMany(store, other, undefined, 20, T0 + 10);
      expectRateError(
        await rejectionOf(enforceRateLimit(store, other, undefined, T0 + 20)),
        20,
        T0 + 1_010,
        T0 + 20,
      );
      expectRateError(
        await rejectionOf(enforceRateLimit(store, limited, undefined, T0 + 20)),
        20,
        T0 + 1_000,
        T0 + 20,
      );
    });
  });
});
