/**
 * The per-key limits of the iris API v1 reference, and the check that applies them to a request.
 */
import { ApiError } from '../../errors/api-error.ts';
import type { RateLimitClass } from '../../operations/define-operation.ts';
import type { BucketCount, BucketHit, RateLimitStore } from './store.ts';

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

/**
 * Counts the request against the subject's buckets; throws RATE_001 (429) with Retry-After and the
 * X-RateLimit-* headers when any bucket is over its limit.
 */
export async function enforceRateLimit(
  store: RateLimitStore,
  subject: string,
  limitClass: RateLimitClass | undefined,
  nowMs: number,
): Promise<void> {
  // Runs on every request: the buckets and their limits side by side, nothing else allocated.
  const classRule = limitClass ? CLASS_LIMITS[limitClass] : undefined;
  const hits: BucketHit[] = [
    { bucket: `${subject}:global`, windowMs: GLOBAL_LIMIT.windowMs },
    { bucket: `${subject}:burst`, windowMs: BURST_LIMIT.windowMs },
  ];
  const limits = [GLOBAL_LIMIT.limit, BURST_LIMIT.limit];
  if (classRule) {
    hits.push({ bucket: `${subject}:${limitClass}`, windowMs: classRule.windowMs });
    limits.push(classRule.limit);
  }
  const counts = await store.hit(hits, nowMs);
  let worst: { limit: number; resetAtMs: number } | undefined;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] as BucketCount;
    const limit = limits[i] as number;
    if (c.count > limit && (!worst || c.resetAtMs > worst.resetAtMs))
      worst = { limit, resetAtMs: c.resetAtMs };
  }
  if (!worst) return;
  const retryAfter = Math.max(1, Math.ceil((worst.resetAtMs - nowMs) / 1000));
  throw new ApiError('RATE_001', `too many requests. please try again in ${retryAfter} seconds.`, {
    headers: {
      'Retry-After': String(retryAfter),
      'X-RateLimit-Limit': String(worst.limit),
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': String(worst.resetAtMs),
    },
    extra: { retryAfter, limit: worst.limit, remaining: 0 },
  });
}
