/**
 * Shared by the job tests: a table of job effects (rows a handler writes in its attempt's transaction,
 * deliberately without a unique key so a second commit would show), handlers that write them, and reads
 * of the jobs table.
 */
import { eq, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import { jobs } from '../../db/schema-jobs.ts';
import type { JobContext, JobHandlers } from '../../src/services.ts';

export async function createEffectsTable(db: Db): Promise<void> {
  await db.execute(sql`create table if not exists job_effects (
    job_id uuid not null,
    attempt int not null,
    worker text not null,
    created_at timestamptz not null default clock_timestamp()
  )`);
}

export async function insertEffect(ctx: JobContext, worker: string): Promise<void> {
  await ctx.db.execute(
    sql`insert into job_effects (job_id, attempt, worker) values (${ctx.job.id}, ${ctx.job.attempts}, ${worker})`,
  );
}

export interface Effect {
  job_id: string;
  attempt: number;
  worker: string;
}

export async function effectsOf(db: Db, jobId?: string): Promise<Effect[]> {
  return queryRows<Effect>(
    db,
    jobId
      ? sql`select job_id, attempt, worker from job_effects where job_id = ${jobId} order by created_at`
      : sql`select job_id, attempt, worker from job_effects order by created_at`,
  );
}

export async function jobRow(db: Db, id: string) {
  const [row] = await db.select().from(jobs).where(eq(jobs.id, id));
  if (!row) throw new Error(`no job ${id}`);
  return row;
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/**
 * The test kinds, each writing an effect first (so a failed or lost attempt that committed would show):
 * `test.effect` does only that; `test.flaky` then throws while `attempts <= payload.fail_times`;
 * `test.fails` always throws; `test.slow-first` holds its first attempt `payload.hold_ms` (deaf to the
 * abort signal: a stale worker); `test.hold` holds its first attempt until aborted.
 */
export function testHandlers(worker: string, seen: Map<string, number[]> = new Map()) {
  const mark = (ctx: JobContext) => seen.set(ctx.job.id, [...(seen.get(ctx.job.id) ?? []), Date.now()]);
  return {
    'test.effect': async (ctx) => {
      mark(ctx);
      await insertEffect(ctx, worker);
    },
    'test.flaky': async (ctx) => {
      mark(ctx);
      await insertEffect(ctx, worker);
      if (ctx.job.attempts <= Number(ctx.job.payload.fail_times)) {
        throw new Error(`flaky failure on attempt ${ctx.job.attempts}`);
      }
    },
    'test.fails': async (ctx) => {
      mark(ctx);
      await insertEffect(ctx, worker);
      throw new Error(`boom on attempt ${ctx.job.attempts}`);
    },
    'test.slow-first': async (ctx) => {
      mark(ctx);
      await insertEffect(ctx, worker);
      if (ctx.job.attempts === 1) await sleep(Number(ctx.job.payload.hold_ms));
    },
    'test.hold': async (ctx) => {
      mark(ctx);
      await insertEffect(ctx, worker);
      if (ctx.job.attempts === 1) await sleep(60_000, ctx.signal);
    },
  } satisfies JobHandlers;
}
