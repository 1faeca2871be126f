/**
 * The rate-limit store port. A store counts hits per bucket in windows anchored at a bucket's first hit
 * and answers the counts after this hit; deciding what is over the limit is the caller's job.
 */
export interface BucketHit {
  bucket: string;
  windowMs: number;
}

export interface BucketCount {
  bucket: string;
  /** Hits in the current window, this one included. */
  count: number;
  /** When the current window ends, ms since epoch. */
  resetAtMs: number;
}

export interface RateLimitStore {
  hit(buckets: readonly BucketHit[], nowMs: number): Promise<BucketCount[]>;
  close(): Promise<void>;
}
