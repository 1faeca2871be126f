/**
 * The rate-limit store port. A store counts hits per subject (a key, an account, an address) in named
 * windows, each anchored at its first hit, and answers the counts after this hit; deciding what is over
 * the limit is the caller's job.
 */
export interface LimitWindow {
  /** The window's name within the subject: `global`, `burst` or a limit class. */
  name: string;
  windowMs: number;
}

export interface WindowCount {
  name: string;
  /** Hits in the current window, this one included. */
  count: number;
  /** When the current window ends, ms since epoch. */
  resetAtMs: number;
}

export interface RateLimitStore {
  /** Counts one hit in each of `subject`'s `windows`; answers their counts in the order asked. */
  hit(subject: string, windows: readonly LimitWindow[], nowMs: number): Promise<WindowCount[]>;
  close(): Promise<void>;
}
