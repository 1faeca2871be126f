/**
 * The per-key limits of the iris API v1 reference, and the check that applies them to a request.
 */
import { ApiError } from '../../errors/api-error.ts';
import type { RateLimitClass } from '../../operations/define-operation.ts';
import type { LimitWindow, RateLimitStore, WindowCount } from './store.ts';

export interface LimitRule {
  limit: number;
  windowMs: number;
}

export const GLOBAL_LIMIT: LimitRule = { limit: 120, windowMs: 60_000 };
export const BURST_LIMIT: LimitRule = { limit: 20, windowMs: 1_000 };
export const CLASS_LIMITS: Record<RateLimitClass, LimitRule> = {
  campaignMutations: { limit: 30, windowMs: 60_000 },
  contactMutations: { limit: 60, windowMs: 60_000 },
  aiGeneration: { limit: 20, windowMs: 60_000 },
  discovery: { limit: 5, windowMs: 3_600_000 },
};

/** The tightest of the buckets a request was counted in, for the X-RateLimit-* headers. */
export interface RateLimitState {
  limit: number;
  /** Requests left in the bucket's current window (never below 0). */
  remaining: number;
  /** When the bucket's current window ends, ms since epoch. */
  resetAtMs: number;
}

/** The windows a request is counted in, with their limits, side by side. */
interface CountedIn {
  windows: readonly LimitWindow[];
  limits: readonly number[];
}

function countedIn(rules: Record<string, LimitRule>): CountedIn {
  const named = Object.entries(rules);
  return {
    windows: named.map(([name, rule]) => ({ name, windowMs: rule.windowMs })),
    limits: named.map(([, rule]) => rule.limit),
  };
}

const UNCLASSED = countedIn({ global: GLOBAL_LIMIT, burst: BURST_LIMIT });
const CLASSED = Object.fromEntries(
  Object.entries(CLASS_LIMITS).map(([name, rule]) => [
    name,
    countedIn({ global: GLOBAL_LIMIT, burst: BURST_LIMIT, [name]: rule }),
  ]),
) as Record<RateLimitClass, CountedIn>;

/**
 * Counts the request against the subject's buckets (global, burst, and its class's); throws RATE_001
 * (429) with Retry-After and the X-RateLimit-* headers when any bucket is over its limit. Otherwise
 * answers the tightest bucket: the one with the fewest requests left, of those the one whose window ends
 * last.
 */
export async function enforceRateLimit(
  store: RateLimitStore,
  subject: string,
  limitClass: RateLimitClass | undefined,
  nowMs: number,
): Promise<RateLimitState> {
  const { windows, limits } = limitClass ? CLASSED[limitClass] : UNCLASSED;
  const counts = await store.hit(subject, windows, nowMs);
  // Indexes into counts/limits: the bucket over its limit with the longest wait, and the tightest one.
  let worst = -1;
  let worstResetAtMs = 0;
  let tightest = -1;
  let tightestRemaining = 0;
  let tightestResetAtMs = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as WindowCount;
    const limit = limits[i] as number;
    if (c.count > limit && (worst < 0 || c.resetAtMs > worstResetAtMs)) {
      worst = i;
      worstResetAtMs = c.resetAtMs;
    }
    const remaining = Math.max(0, limit - c.count);
    if (
      tightest < 0 ||
      remaining < tightestRemaining ||
      (remaining === tightestRemaining && c.resetAtMs > tightestResetAtMs)
    ) {
      tightest = i;
      tightestRemaining = remaining;
      tightestResetAtMs = c.resetAtMs;
    }
  }
  if (worst < 0) {
    return { limit: limits[tightest] as number, remaining: tightestRemaining, resetAtMs: tightestResetAtMs };
  }
  const worstLimit = limits[worst] as number;
  // `nowMs` was read before the request was counted (callers read it before authenticating, which may
  // wait on the database), so a concurrent request, or another process, may have opened the window after
  // it. The window began no later than this request was counted: the wait is at most the window itself,
  // never "2 seconds" for the one-second burst window.
  const countedAtMs = Math.max(nowMs, worstResetAtMs - (windows[worst] as LimitWindow).windowMs);
  const retryAfter = Math.max(1, Math.ceil((worstResetAtMs - countedAtMs) / 1000));
  throw new ApiError('RATE_001', `too many requests. please try again in ${retryAfter} seconds.`, {
    headers: {
      'Retry-After': String(retryAfter),
      'X-RateLimit-Limit': String(worstLimit),
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(worstResetAtMs),
    },
    extra: { retryAfter, limit: worstLimit, remaining: 0 },
  });
}

/**
 * The X-RateLimit-* headers of `state` added to `response`, in a new headers object (a stored or shared
 * one is never changed). Headers the response already has win, so a 429 keeps its own.
 */
export function withRateLimitHeaders<R extends { headers: Record<string, string> }>(
  response: R,
  state: RateLimitState | undefined,
): R {
  if (state === undefined) return response;
  return {
    ...response,
    headers: {
      'X-RateLimit-Limit': String(state.limit),
      'X-RateLimit-Remaining': String(state.remaining),
      'X-RateLimit-Reset': String(state.resetAtMs),
      ...response.headers,
    },
  };
}
