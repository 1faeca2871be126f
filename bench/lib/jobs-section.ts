/**
 * The jobs section: no-op jobs through the local worker of an iris child (the real server with its
 * worker, JOBS_DRIVER=local) on a fresh database of the run's PostgreSQL server. The bench writes
 * BENCH_JOBS (default 5,000) `noop` jobs with src/jobs/enqueue.ts in one transaction, as a change writes
 * its outbox rows, and times from the commit to the last job done (every attempt its own transaction,
 * durable commits): the drain rate, against its target.
 */
import { sql } from 'drizzle-orm';
import { type Database, openDatabase, queryRows } from '../../db/client.ts';
import { enqueue } from '../../src/jobs/enqueue.ts';
import type { BenchDatabaseServer } from './bench-database.ts';
import { type ChildServer, startChild } from './child-server.ts';
import type { BenchConfig } from './config.ts';
import { PipelineReady } from './protocol.ts';
import { createScratchDatabase } from './scratch-database.ts';
import { fixed, formatTable } from './table.ts';

/** Jobs per second the local worker should drain on PostgreSQL (no-op handler). */
export const JOBS_TARGET_PER_S = 500;
/** Unmeasured jobs drained first (connections opened, code warm). */
const WARMUP_JOBS = 200;
const DRAIN_TIMEOUT_MS = 120_000;
/** How often the bench looks whether the queue is empty (its error on the drain time: at most this). */
const POLL_MS = 25;

export interface JobsSection {
  scratch: string;
  setup: string[];
  tables: string[];
  failures: string[];
}

interface Drain {
  jobs: number;
  enqueueSeconds: number;
  drainSeconds: number;
  failed: number;
}

function jobCountFromEnv(): number {
  const count = Number(process.env.BENCH_JOBS ?? '5000');
  if (!Number.isInteger(count) || count < 1) throw new Error('BENCH_JOBS must be an integer ≥ 1');
  return count;
}

/** Enqueues `count` noop jobs in one transaction, then waits for all of them to be done (or failed). */
async function drain(database: Database, batch: string, count: number): Promise<Drain> {
  const enqueueStarted = performance.now();
  await database.db.transaction(async (tx) => {
    for (let i = 0; i < count; i++) {
      await enqueue(tx, { kind: 'noop', payload: { i }, dedupeKey: `bench:${batch}:${i}` });
    }
  });
  const committed = performance.now();
  const deadline = committed + DRAIN_TIMEOUT_MS;
  // Only this batch is in the database's queue: count what is left of it (an index scan on state).
  for (;;) {
    const [left] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from jobs where state in ('queued', 'running')`,
    );
    if (left?.n === 0) break;
    if (performance.now() > deadline) {
      throw new Error(`jobs: ${left?.n} of ${count} left after ${DRAIN_TIMEOUT_MS / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const drained = performance.now();
  const [failed] = await queryRows<{ n: number }>(
    database.db,
    sql`select count(*)::int as n from jobs where state = 'failed' and dedupe_key like ${`bench:${batch}:%`}`,
  );
  return {
    jobs: count,
    enqueueSeconds: (committed - enqueueStarted) / 1000,
    drainSeconds: (drained - committed) / 1000,
    failed: failed?.n ?? 0,
  };
}

/** Runs the section; what it starts is registered in `cleanups` (the caller stops it all). */
export async function runJobsSection(
  config: BenchConfig,
  server: BenchDatabaseServer,
  cleanups: (() => Promise<void>)[],
  log: (message: string) => void,
): Promise<JobsSection> {
  const count = jobCountFromEnv();
  const scratch = await createScratchDatabase(config.databaseUrl);
  cleanups.push(() => scratch.drop());
  log(`jobs: created database ${scratch.display}`);
  const concurrency = process.env.BENCH_JOBS_CONCURRENCY?.trim() || undefined;
  const iris: ChildServer<PipelineReady> = await startChild(
    'pipeline-server',
    'pipeline-server.ts',
    PipelineReady,
    {
      DATABASE_URL: scratch.url,
      BENCH_KEY_COUNT: '2',
      JOBS_DRIVER: 'local',
      JOBS_CONCURRENCY: concurrency,
      X402_PAY_TO: undefined,
      X402_SETTLER_PRIVATE_KEY: undefined,
      MPP_SECRET_KEY: undefined,
      STRIPE_SECRET_KEY: undefined,
    },
  );
  cleanups.push(iris.stop);
  const database = await openDatabase({ url: scratch.url, maxConnections: 2 });
  cleanups.push(() => database.close());
  const [version] = await queryRows<{ server_version: string }>(database.db, sql`show server_version`);

  log(`jobs: ${WARMUP_JOBS} unmeasured no-op jobs, then ${count} measured`);
  await drain(database, 'warmup', WARMUP_JOBS);
  const measured = await drain(database, 'measured', count);
  const rate = measured.jobs / measured.drainSeconds;
  const where = `${server.kind === 'embedded' ? 'embedded' : 'PostgreSQL'} ${version?.server_version.split(' ')[0] ?? '?'}`;
  const table = formatTable(
    [
      { title: 'jobs (local worker, no-op)', align: 'left' },
      { title: 'database', align: 'left' },
      { title: 'enqueued/s', align: 'right' },
      { title: 'drained/s', align: 'right' },
      { title: 'target/s', align: 'right' },
      { title: '', align: 'left' },
      { title: 'jobs', align: 'right' },
      { title: 'failed', align: 'right' },
    ],
    [
      [
        `enqueue ${fixed(measured.jobs, 0)} in one transaction, drain`,
        where,
        fixed(measured.jobs / measured.enqueueSeconds, 0),
        fixed(rate, 0),
        `≥ ${JOBS_TARGET_PER_S}`,
        rate >= JOBS_TARGET_PER_S ? 'ok' : 'under target',
        String(measured.jobs),
        String(measured.failed),
      ],
    ],
  );
  return {
    scratch: scratch.display,
    setup: [
      `jobs: an iris child (JOBS_DRIVER=local, JOBS_CONCURRENCY=${concurrency ?? 'default 4'}) on a fresh ` +
        `database ${scratch.display}; ${fixed(count, 0)} noop jobs written with enqueue() in one transaction ` +
        `(after ${WARMUP_JOBS} unmeasured), drained/s = jobs / time from the commit to the last done (polled ` +
        `every ${POLL_MS} ms); each job: a claim statement (shared by up to the concurrency) and its own transaction`,
    ],
    tables: [table],
    failures: measured.failed > 0 ? [`jobs: ${measured.failed} no-op jobs failed`] : [],
  };
}
