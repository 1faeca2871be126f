/**
 * In-process rate-limit store: correct for one server process, the default. A subject's windows are kept
 * together, and a window that ended starts again in the same record.
 */
import type { LimitWindow, RateLimitStore, WindowCount } from './store.ts';

interface Window {
  name: string;
  startMs: number;
  windowMs: number;
  count: number;
}

const SWEEP_EVERY_MS = 60_000;

const ended = (w: Window, nowMs: number): boolean => w.startMs + w.windowMs <= nowMs;

export function createMemoryRateLimitStore(): RateLimitStore {
  const subjects = new Map<string, Window[]>();
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [subject, windows] of subjects) {
      const open = windows.filter((w) => !ended(w, now));
      if (open.length === 0) subjects.delete(subject);
      else if (open.length < windows.length) subjects.set(subject, open);
    }
  }, SWEEP_EVERY_MS);
  sweep.unref();

  return {
    async hit(subject: string, asked: readonly LimitWindow[], nowMs: number): Promise<WindowCount[]> {
      let windows = subjects.get(subject);
      if (windows === undefined) {
        windows = [];
        subjects.set(subject, windows);
      }
      const counts: WindowCount[] = [];
      for (const { name, windowMs } of asked) {
        let w = windows.find((kept) => kept.name === name);
        if (w === undefined) {
          w = { name, startMs: nowMs, windowMs, count: 0 };
          windows.push(w);
        } else if (ended(w, nowMs)) {
          w.startMs = nowMs;
          w.windowMs = windowMs;
          w.count = 0;
        }
        w.count += 1;
        counts.push({ name, count: w.count, resetAtMs: w.startMs + w.windowMs });
      }
      return counts;
    },
    async close() {
      clearInterval(sweep);
    },
  };
}
