/**
 * The memory store's sweep (every minute, on the wall clock) removes ended windows one by one: a subject's
 * open windows keep counting across it, so a sweep never hands a caller a fresh window early.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryRateLimitStore } from '../../src/pipeline/rate-limit/memory-store.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('memory rate-limit store sweep', () => {
  it("keeps a subject's open windows counting when another of its windows has ended", async () => {
    vi.useFakeTimers({ now: Date.UTC(2030, 0, 1), toFake: ['Date', 'setInterval', 'clearInterval'] });
    const store = createMemoryRateLimitStore();
    const windows = [
      { name: 'hour', windowMs: 3_600_000 },
      { name: 'second', windowMs: 1_000 },
    ];
    const start = Date.now();
    await store.hit('subject', windows, start);
    await store.hit('subject', windows, start);
    await store.hit('other', [{ name: 'second', windowMs: 1_000 }], start);

    vi.advanceTimersByTime(61_000);
    const later = Date.now();
    expect(await store.hit('subject', windows, later)).toEqual([
      { name: 'hour', count: 3, resetAtMs: start + 3_600_000 },
      { name: 'second', count: 1, resetAtMs: later + 1_000 },
    ]);
    expect(await store.hit('other', [{ name: 'second', windowMs: 1_000 }], later)).toEqual([
      { name: 'second', count: 1, resetAtMs: later + 1_000 },
    ]);
    await store.close();
  });
});
