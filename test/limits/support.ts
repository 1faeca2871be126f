/**
 * Shared pieces of the rate-limit tests: a fixed time base, a way to catch the RATE_001 error, and the
 * checks of a 429 response on the wire.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { ApiError } from '../../src/errors/api-error.ts';
import type { ApiResponse } from '../helpers/api.ts';

/**
 * Time base of the unit tests: explicit, not aligned to a second (so "anchored at the first hit" differs
 * from "aligned to the clock"), and in the future so the stores' wall-clock sweeps never treat the test
 * windows as expired.
 */
export const T0 = Date.UTC(2031, 0, 1, 0, 0, 0) + 437;

/** Awaits a promise that must reject with an ApiError and returns that error. */
export async function rejectionOf(promise: Promise<unknown>): Promise<ApiError> {
  let outcome: unknown;
  try {
    await promise;
    outcome = undefined;
  } catch (error) {
    outcome = error;
  }
  expect(outcome, 'expected a RATE_001 rejection, the call passed').toBeInstanceOf(ApiError);
  return outcome as ApiError;
}

/** The fields of a RATE_001 error for a bucket of `limit` ending at `resetAtMs`, seen at `nowMs`. */
export function expectRateError(error: ApiError, limit: number, resetAtMs: number, nowMs: number): void {
  const retryAfter = Math.max(1, Math.ceil((resetAtMs - nowMs) / 1000));
  expect(error.code).toBe('RATE_001');
  expect(error.status).toBe(429);
  expect(error.message).toBe(`too many requests. please try again in ${retryAfter} seconds.`);
  expect(error.headers).toEqual({
    'Retry-After': String(retryAfter),
    'X-RateLimit-Limit': String(limit),
    'X-RateLimit-Remaining': '0',
    'X-RateLimit-Reset': String(resetAtMs),
  });
  expect(error.extra).toEqual({ retryAfter, limit, remaining: 0 });
}

/** Bounds (ms since epoch) within which a server-side instant is known to lie. */
export interface Bracket {
  min: number;
  max: number;
}

/**
 * Checks a 429 RATE_001 response: envelope, extra fields and headers. `resetAt` brackets the end of the
 * limiting window; `sentAt` brackets the server's clock when it handled the request. Returns Retry-After.
 */
export function expectRateLimitedResponse(
  response: ApiResponse,
  limit: number,
  resetAt: Bracket,
  sentAt: Bracket,
): number {
  expect(response.status, response.text).toBe(429);
  const requestId = response.headers.get('x-request-id');
  expect(requestId).toMatch(/^req_[0-9a-f]{24}$/);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(response.body).toEqual({
    success: false,
    error: {
      code: 'RATE_001',
      message: `too many requests. please try again in ${retryAfter} seconds.`,
      requestId,
    },
    retryAfter,
    limit,
    remaining: 0,
  });
  expect(response.headers.get('x-ratelimit-limit')).toBe(String(limit));
  expect(response.headers.get('x-ratelimit-remaining')).toBe('0');

  const reset = response.headers.get('x-ratelimit-reset') ?? '';
  expect(reset, 'X-RateLimit-Reset is an integer ms timestamp').toMatch(/^\d{13}$/);
  const resetMs = Number(reset);
  expect(resetMs).toBeGreaterThanOrEqual(resetAt.min);
  expect(resetMs).toBeLessThanOrEqual(resetAt.max);

  // Retry-After is whole seconds, rounded up, at least 1, from the handling instant to the reset.
  expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
  expect(retryAfter).toBeGreaterThanOrEqual(Math.max(1, Math.ceil((resetMs - sentAt.max) / 1000)));
  expect(retryAfter).toBeLessThanOrEqual(Math.max(1, Math.ceil((resetMs - sentAt.min) / 1000)));
  return retryAfter;
}

/** The RATE_001 fields must not leak onto responses that passed. */
export function expectNotLimited(response: ApiResponse, expectedStatus: number): void {
  expect(response.status, response.text).toBe(expectedStatus);
  expect(response.body?.success).toBe(true);
}

export function randomSubject(): string {
  return `key:${randomUUID()}`;
}
