/**
 * In-process rate-limit store: correct for one server process, the default.
 */
import type { BucketCount, BucketHit, RateLimitStore } from './store.ts';

interface Window {
  startMs: number;
  windowMs: number;
  count: number;
}

const SWEEP_EVERY_MS = 60_000;

export function createMemoryRateLimitStore(): RateLimitStore {
  const windows = new Map<string, Window>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [bucket, w] of windows) if (w.startMs + w.windowMs <= now) windows.delete(bucket);
  }, SWEEP_EVERY_MS);
  sweep.unref();

  return {
    async hit(buckets: readonly BucketHit[], nowMs: number): Promise<BucketCount[]> {
      return buckets.map(({ bucket, windowMs }) => {
        let w = windows.get(bucket);
        if (!w || w.startMs + w.windowMs <= nowMs) {
          w = { startMs: nowMs, windowMs, count: 0 };
          windows.set(bucket, w);
        }
        w.count += 1;
        return { bucket, count: w.count, resetAtMs: w.startMs + w.windowMs };
      });
    },
    async close() {
      clearInterval(sweep);
    },
  };
}
