/**
 * X-RateLimit-Limit/Remaining/Reset on every answer to a known caller, not only on the 429: successes,
 * class-limited writes, idempotent replays, errors after authentication and payment-gateway answers.
 * The expected values are worked out from the rules of limits.ts (the tightest bucket: fewest requests
 * left, then the later reset). The server clock is paused, so every request of a test is counted at
 * one known instant unless the test moves the clock on.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { campaignsCreate } from '../../src/operations/campaigns/create.ts';
import { executeOperation } from '../../src/pipeline/execute-operation.ts';
import type { OperationRequest, OperationResponse } from '../../src/pipeline/operation-io.ts';
import {
  BURST_LIMIT,
  CLASS_LIMITS,
  enforceRateLimit,
  GLOBAL_LIMIT,
  type LimitRule,
  type RateLimitState,
  withRateLimitHeaders,
} from '../../src/pipeline/rate-limit/limits.ts';
import { createMemoryRateLimitStore } from '../../src/pipeline/rate-limit/memory-store.ts';
import type { PaymentCall, PaymentGateway, Services } from '../../src/services.ts';
import { type ApiResponse, api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { randomSubject, T0 } from './support.ts';

/** One bucket a request was counted in: its rule, its count after the request, when its window opened. */
interface Counted {
  rule: LimitRule;
  count: number;
  openedAt: number;
}

/** The state the headers must show, by the rules of limits.ts. */
function tightest(buckets: readonly Counted[]): RateLimitState {
  const states = buckets.map((b) => ({
    limit: b.rule.limit,
    remaining: Math.max(0, b.rule.limit - b.count),
    resetAtMs: b.openedAt + b.rule.windowMs,
  }));
  states.sort((a, b) => a.remaining - b.remaining || b.resetAtMs - a.resetAtMs);
  return states[0] as RateLimitState;
}

/** The X-RateLimit-* headers of a response; each must be present and an integer. */
function rateLimitOf(headers: { get(name: string): string | null }): RateLimitState {
  const read = (name: string): number => {
    const value = headers.get(name);
    expect(value, `${name} header`).toMatch(/^\d+$/);
    return Number(value);
  };
  return {
    limit: read('x-ratelimit-limit'),
    remaining: read('x-ratelimit-remaining'),
    resetAtMs: read('x-ratelimit-reset'),
  };
}

function headersOf(response: OperationResponse): { get(name: string): string | null } {
  const lower = new Map(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (name) => lower.get(name.toLowerCase()) ?? null };
}

describe('over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    // Ten minutes ahead of real time, then stopped: the stores' wall-clock sweeps never end a window early.
    server.advance(600_000);
    server.pause();
  });
  afterAll(() => server?.close());
  // A fresh minute for each test, so the admin key that creates the test keys is never limited.
  beforeEach(() => server.advance(GLOBAL_LIMIT.windowMs));

  const serverNow = () => server.services.clock().getTime();
  const me = (key: string) => api(server.url, 'GET', '/keys/me', { key });
  let campaignNumber = 0;
  const createCampaign = (key: string, headers: Record<string, string> = {}) => {
    campaignNumber += 1;
    return api(server.url, 'POST', '/campaigns', {
      key,
      headers,
      body: { name: `rate limit headers ${campaignNumber}`, objective_type: 'product_promotion' },
    });
  };

  /** Global and burst buckets after `count` unclassed requests at `at`. */
  const plain = (count: number, at: number): Counted[] => [
    { rule: GLOBAL_LIMIT, count, openedAt: at },
    { rule: BURST_LIMIT, count, openedAt: at },
  ];

  function expectState(response: ApiResponse, status: number, expected: RateLimitState): void {
    expect(response.status, response.text).toBe(status);
    const state = rateLimitOf(response.headers);
    expect(state).toEqual(expected);
    expect(state.resetAtMs, 'X-RateLimit-Reset is a ms timestamp in the future').toBeGreaterThan(serverNow());
    expect(String(state.resetAtMs)).toHaveLength(13);
  }

  it('puts the tightest bucket on a successful GET, one request fewer each time', async () => {
    const reader = await createKey(server.url, server.adminKey, ['read']);
    const t = serverNow();
    const first = await me(reader.key);
    const second = await me(reader.key);
    expectState(first, 200, tightest(plain(1, t)));
    expectState(second, 200, tightest(plain(2, t)));
    expect(rateLimitOf(first.headers)).toEqual({
      limit: BURST_LIMIT.limit,
      remaining: BURST_LIMIT.limit - 1,
      resetAtMs: t + BURST_LIMIT.windowMs,
    });
    expect(rateLimitOf(second.headers).remaining).toBe(rateLimitOf(first.headers).remaining - 1);
  });

  it('counts a class-limited write in its class bucket and shows it once it is the tightest', async () => {
    const writer = await createKey(server.url, server.adminKey, ['read', 'write']);
    const t = serverNow();
    const campaignRule = CLASS_LIMITS.campaignMutations;
    for (let n = 1; n <= 15; n++) {
      expectState(
        await createCampaign(writer.key),
        201,
        tightest([...plain(n, t), { rule: campaignRule, count: n, openedAt: t }]),
      );
    }
    // A new burst window: the campaign bucket (15 of 30 used) is now the one with the fewest left.
    server.advance(BURST_LIMIT.windowMs);
    const later = await createCampaign(writer.key);
    const expected = tightest([
      { rule: GLOBAL_LIMIT, count: 16, openedAt: t },
      { rule: BURST_LIMIT, count: 1, openedAt: t + BURST_LIMIT.windowMs },
      { rule: campaignRule, count: 16, openedAt: t },
    ]);
    expectState(later, 201, expected);
    expect(expected).toEqual({
      limit: campaignRule.limit,
      remaining: campaignRule.limit - 16,
      resetAtMs: t + campaignRule.windowMs,
    });
  });

  it('puts the current state on an idempotent replay, not the stored one', async () => {
    const writer = await createKey(server.url, server.adminKey, ['read', 'write']);
    const t = serverNow();
    const key = { 'Idempotency-Key': `headers-${randomUUID()}` };
    const campaignBucket = (count: number): Counted => ({
      rule: CLASS_LIMITS.campaignMutations,
      count,
      openedAt: t,
    });
    const first = await createCampaign(writer.key, key);
    campaignNumber -= 1; // the same body again
    const replay = await createCampaign(writer.key, key);
    expectState(first, 201, tightest([...plain(1, t), campaignBucket(1)]));
    expectState(replay, 201, tightest([...plain(2, t), campaignBucket(2)]));
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
  });

  it('puts them on errors answered after authentication', async () => {
    const reader = await createKey(server.url, server.adminKey, ['read']);
    const writer = await createKey(server.url, server.adminKey, ['read', 'write']);
    const t = serverNow();

    const missing = await api(server.url, 'GET', `/campaigns/${randomUUID()}`, { key: reader.key });
    expectState(missing, 404, tightest(plain(1, t)));

    // Counted as a campaign mutation before the scope check refuses it.
    const forbidden = await createCampaign(reader.key);
    expect(forbidden.body?.error?.code).toBe('APIKEY_004');
    expectState(
      forbidden,
      403,
      tightest([...plain(2, t), { rule: CLASS_LIMITS.campaignMutations, count: 1, openedAt: t }]),
    );

    const invalid = await api(server.url, 'POST', '/campaigns', { key: writer.key, body: { name: 5 } });
    expectState(
      invalid,
      422,
      tightest([...plain(1, t), { rule: CLASS_LIMITS.campaignMutations, count: 1, openedAt: t }]),
    );
  });

  it('counts down to 0 and keeps the 429 headers of the exceeded bucket', async () => {
    const reader = await createKey(server.url, server.adminKey, ['read']);
    const t = serverNow();
    const remaining: number[] = [];
    for (let n = 1; n <= BURST_LIMIT.limit; n++) {
      const response = await me(reader.key);
      expectState(response, 200, tightest(plain(n, t)));
      remaining.push(rateLimitOf(response.headers).remaining);
    }
    expect(remaining.at(-1)).toBe(0);

    const limited = await me(reader.key);
    expect(limited.status).toBe(429);
    expect(rateLimitOf(limited.headers)).toEqual({
      limit: BURST_LIMIT.limit,
      remaining: 0,
      resetAtMs: t + BURST_LIMIT.windowMs,
    });
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body).toMatchObject({ retryAfter: 1, limit: BURST_LIMIT.limit, remaining: 0 });

    // The next burst window: the limited requests counted in the global bucket too.
    server.advance(BURST_LIMIT.windowMs);
    expectState(
      await me(reader.key),
      200,
      tightest([
        { rule: GLOBAL_LIMIT, count: BURST_LIMIT.limit + 2, openedAt: t },
        { rule: BURST_LIMIT, count: 1, openedAt: t + BURST_LIMIT.windowMs },
      ]),
    );
  });

  it('puts them on answers of the payment gateway, keeping headers it set itself', async () => {
    const answers: OperationResponse[] = [
      { status: 402, headers: { 'PAYMENT-REQUIRED': 'offer' }, body: { success: false } },
      { status: 402, headers: { 'X-RateLimit-Limit': '7' }, body: { success: false } },
    ];
    const calls: PaymentCall[] = [];
    const gateway: PaymentGateway = {
      rails: [{ name: 'test' }],
      handle: async (call) => {
        calls.push(call);
        return answers[calls.length - 1] as OperationResponse;
      },
      paymentRequired: () => Promise.reject(new Error('not used')),
      identify: async () => undefined,
      close: async () => undefined,
    };
    const services: Services = { ...server.services, payments: gateway };
    const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    const t = serverNow();
    const request = (): OperationRequest => ({
      requestId: `req_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
      ip,
      header: () => undefined,
      params: {},
      query: {},
      body: { name: 'paid rate limit headers', objective_type: 'product_promotion' },
    });
    const buckets = (count: number): Counted[] => [
      ...plain(count, t),
      { rule: CLASS_LIMITS.campaignMutations, count, openedAt: t },
    ];

    const offer = await executeOperation(services, campaignsCreate, request());
    expect(calls).toHaveLength(1);
    expect(offer.status).toBe(402);
    expect(offer.headers['PAYMENT-REQUIRED']).toBe('offer');
    expect(rateLimitOf(headersOf(offer))).toEqual(tightest(buckets(1)));

    const own = await executeOperation(services, campaignsCreate, request());
    expect(calls).toHaveLength(2);
    const state = tightest(buckets(2));
    expect(own.headers).toEqual({
      'X-RateLimit-Limit': '7',
      'X-RateLimit-Remaining': String(state.remaining),
      'X-RateLimit-Reset': String(state.resetAtMs),
    });
    // The gateway's own answer object is left as it was.
    expect(answers[1]?.headers).toEqual({ 'X-RateLimit-Limit': '7' });
  });
});

describe('enforceRateLimit', () => {
  it('answers the bucket with the fewest requests left, and of equals the one that resets last', async () => {
    const store = createMemoryRateLimitStore();
    try {
      const subject = randomSubject();
      // aiGeneration allows 20 a minute, as many as the burst bucket a second: a tie, the minute wins.
      expect(await enforceRateLimit(store, subject, 'aiGeneration', T0)).toEqual({
        limit: CLASS_LIMITS.aiGeneration.limit,
        remaining: CLASS_LIMITS.aiGeneration.limit - 1,
        resetAtMs: T0 + CLASS_LIMITS.aiGeneration.windowMs,
      });
      // Unclassed: burst (18 left) is tighter than global (118 left).
      expect(await enforceRateLimit(store, subject, undefined, T0 + 10)).toEqual({
        limit: BURST_LIMIT.limit,
        remaining: BURST_LIMIT.limit - 2,
        resetAtMs: T0 + BURST_LIMIT.windowMs,
      });
      // discovery: 4 of 5 left in its hour.
      expect(await enforceRateLimit(store, subject, 'discovery', T0 + 20)).toEqual({
        limit: CLASS_LIMITS.discovery.limit,
        remaining: CLASS_LIMITS.discovery.limit - 1,
        resetAtMs: T0 + 20 + CLASS_LIMITS.discovery.windowMs,
      });
    } finally {
      await store.close();
    }
  });
});

describe('withRateLimitHeaders', () => {
  const state: RateLimitState = { limit: 20, remaining: 3, resetAtMs: T0 + 1_000 };

  it('adds the three headers in a new headers object and keeps the rest of the response', () => {
    const response: OperationResponse = {
      status: 200,
      headers: { 'X-Other': 'x' },
      body: { a: 1 },
      text: '{}',
    };
    const result = withRateLimitHeaders(response, state);
    expect(result).toEqual({
      status: 200,
      headers: {
        'X-Other': 'x',
        'X-RateLimit-Limit': '20',
        'X-RateLimit-Remaining': '3',
        'X-RateLimit-Reset': String(T0 + 1_000),
      },
      body: { a: 1 },
      text: '{}',
    });
    expect(response.headers).toEqual({ 'X-Other': 'x' });
  });

  it('leaves X-RateLimit-* headers the response already has, and a response with no state alone', () => {
    const limited: OperationResponse = {
      status: 429,
      headers: { 'X-RateLimit-Limit': '30', 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': '5' },
      body: {},
    };
    expect(withRateLimitHeaders(limited, state).headers).toEqual(limited.headers);
    expect(withRateLimitHeaders(limited, undefined)).toBe(limited);
  });
});
