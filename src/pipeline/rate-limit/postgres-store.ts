/**
 * Rate-limit store in the database: one upsert per request counts every window atomically under the row
 * lock, so several server processes sharing a database enforce one limit between them. A window is the
 * row of bucket `<subject>:<window name>`.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../../db/client.ts';
import type { LimitWindow, RateLimitStore, WindowCount } from './store.ts';

const SWEEP_EVERY_MS = 60_000;

interface CounterRow {
  bucket: string;
  count: number;
  window_start_ms: string | number;
  window_ms: number;
}

export function createPostgresRateLimitStore(db: Db): RateLimitStore {
  let sweeping: Promise<unknown> | undefined;
  const sweep = setInterval(() => {
    sweeping = db
      .execute(sql`delete from rate_limit_counters where window_start_ms + window_ms < ${Date.now()}::bigint`)
      .catch(() => {});
  }, SWEEP_EVERY_MS);
  sweep.unref();

  return {
    async hit(subject: string, windows: readonly LimitWindow[], nowMs: number): Promise<WindowCount[]> {
      const buckets = windows.map(({ name, windowMs }) => ({ name, bucket: `${subject}:${name}`, windowMs }));
      // Same order for every request of a subject, so concurrent upserts lock rows in one order.
      const sorted = [...buckets].sort((a, b) => (a.bucket < b.bucket ? -1 : 1));
      const values = sql.join(
        sorted.map((b) => sql`(${b.bucket}, ${nowMs}::bigint, ${b.windowMs}::integer, 1)`),
        sql`, `,
      );
      const rows = await queryRows<CounterRow>(
        db,
        sql`insert into rate_limit_counters as c (bucket, window_start_ms, window_ms, count)
            values ${values}
            on conflict (bucket) do update set
              count = case when c.window_start_ms + c.window_ms <= ${nowMs}::bigint then 1 else c.count + 1 end,
              window_start_ms = case when c.window_start_ms + c.window_ms <= ${nowMs}::bigint
                then ${nowMs}::bigint else c.window_start_ms end,
              window_ms = excluded.window_ms
            returning bucket, count, window_start_ms, window_ms`,
      );
      const byBucket = new Map(rows.map((r) => [r.bucket, r]));
      return buckets.map(({ name, bucket }) => {
        const row = byBucket.get(bucket);
        if (!row) throw new Error(`rate limit upsert returned no row for ${bucket}`);
        return {
          name,
          count: Number(row.count),
          resetAtMs: Number(row.window_start_ms) + Number(row.window_ms),
        };
      });
    },
    async close() {
      clearInterval(sweep);
      await sweeping;
    },
  };
}
