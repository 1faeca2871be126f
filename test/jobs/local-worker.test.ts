/**
 * The local worker inside a test server (started with it, as `npm start` does), with test handlers given
 * at composition: NOTIFY wake-ups (the poll is a minute, so only a notification or a retry's own timer
 * can start a job here), retries with backoff, the visible `failed` state, run-at, unknown kinds, a
 * lease running out under a slow handler with a second worker on another pool, and a stop past the drain.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Database, openDatabase, queryRows } from '../../db/client.ts';
import { jobs } from '../../db/schema-jobs.ts';
import { createJobs } from '../../src/jobs/create-jobs.ts';
import { enqueue, type NewJob } from '../../src/jobs/enqueue.ts';
import { JOB_HANDLERS } from '../../src/jobs/job-handlers.ts';
import { backoffMs, type JobSettings } from '../../src/jobs/run-job.ts';
import type { Jobs } from '../../src/services.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { createEffectsTable, effectsOf, jobRow, testHandlers } from './support.ts';

const SETTINGS: Partial<JobSettings> = {
  pollIntervalMs: 60_000,
  backoffBaseMs: 40,
  backoffMaxMs: 1_000,
  drainMs: 200,
};

let server: TestServer;
const seen = new Map<string, number[]>();
const extraPools: Database[] = [];
const extraWorkers: Jobs[] = [];

beforeAll(async () => {
  // The server's worker runs the production kinds and three test kinds; the slow kinds are left to the
  // workers a test starts.
  const { 'test.effect': effect, 'test.flaky': flaky, 'test.fails': fails } = testHandlers('server', seen);
  const handlers = { ...JOB_HANDLERS, 'test.effect': effect, 'test.flaky': flaky, 'test.fails': fails };
  server = await startTestServer({}, { jobs: { handlers, settings: SETTINGS } });
  await createEffectsTable(server.database.db);
});
afterAll(async () => {
  for (const worker of extraWorkers) await worker.stop();
  for (const pool of extraPools) await pool.close();
  await server?.close();
});

let counter = 0;
async function add(job: Omit<NewJob, 'dedupeKey'> & { dedupeKey?: string }): Promise<string> {
  const id = await server.database.db.transaction((tx) =>
    enqueue(tx, { dedupeKey: `test:${++counter}`, ...job }),
  );
  if (!id) throw new Error('not enqueued');
  return id;
}

const row = (id: string) => jobRow(server.database.db, id);

async function until(id: string, state: string, timeout = 5_000) {
  return vi.waitFor(
    async () => {
      const current = await row(id);
      if (current.state !== state) throw new Error(`job is ${current.state}, waiting for ${state}`);
      return current;
    },
    { timeout, interval: 10 },
  );
}

/** A second worker on a pool of its own (another process, as far as the database can tell). */
async function secondWorker(worker: string, settings: Partial<JobSettings>): Promise<Jobs> {
  const pool = await openDatabase({ url: server.database.url, maxConnections: 4 });
  extraPools.push(pool);
  const jobsPort = await createJobs(server.services.env, pool, () => server.services, {
    handlers: testHandlers(worker),
    settings: { ...SETTINGS, ...settings },
    database: pool,
  });
  extraWorkers.push(jobsPort);
  return jobsPort;
}

describe('enqueue', () => {
  it('writes the job in the caller’s transaction: rolled back with it, once per dedupe key', async () => {
    await expect(
      server.database.db.transaction(async (tx) => {
        await enqueue(tx, { kind: 'test.effect', payload: {}, dedupeKey: 'rolled-back' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    const keyed = sql`select count(*)::int as n from jobs where dedupe_key = 'rolled-back'`;
    expect(await queryRows<{ n: number }>(server.database.db, keyed)).toEqual([{ n: 0 }]);

    const first = await add({ kind: 'noop', payload: {}, dedupeKey: 'once' });
    const again = await server.database.db.transaction((tx) =>
      enqueue(tx, { kind: 'noop', payload: { other: true }, dedupeKey: 'once' }),
    );
    expect(again).toBeUndefined();
    expect((await until(first, 'done')).payload).toEqual({});
  });
});

describe('the local worker', () => {
  it('runs a job as soon as it is committed (NOTIFY), its effect written once with `done`', async () => {
    const started = Date.now();
    const id = await add({ kind: 'test.effect', payload: {} });
    const done = await until(id, 'done', 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(done).toMatchObject({ attempts: 1, lockedBy: null, lockedUntil: null, lastError: null });
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(await effectsOf(server.database.db, id)).toEqual([{ job_id: id, attempt: 1, worker: 'server' }]);
  });

  it('retries a failing job with exponential backoff and jitter, then runs it once', async () => {
    const id = await add({ kind: 'test.flaky', payload: { fail_times: 2 }, maxAttempts: 5 });
    const done = await until(id, 'done');
    expect(done.attempts).toBe(3);
    expect(done.lastError).toBe('flaky failure on attempt 2');
    // The failed attempts' effects rolled back with them: one effect, the third attempt's.
    expect(await effectsOf(server.database.db, id)).toEqual([{ job_id: id, attempt: 3, worker: 'server' }]);
    const [first, second, third] = seen.get(id) ?? [];
    // Equal jitter: at least half the backoff (40 ms, then 80 ms).
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(20 - 5);
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(40 - 5);
  });

  it('ends a job that keeps failing in a visible `failed` state with its last error, and leaves it there', async () => {
    const id = await add({ kind: 'test.fails', payload: {}, maxAttempts: 3 });
    const failed = await until(id, 'failed');
    expect(failed).toMatchObject({
      attempts: 3,
      maxAttempts: 3,
      lastError: 'boom on attempt 3',
      lockedBy: null,
      lockedUntil: null,
    });
    expect(failed.finishedAt).toBeInstanceOf(Date);
    expect(await effectsOf(server.database.db, id)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await row(id)).attempts).toBe(3);
    expect(seen.get(id)).toHaveLength(3);
  });

  it('computes the backoff exponentially, capped, between half and all of it', () => {
    const settings = { backoffBaseMs: 1_000, backoffMaxMs: 60_000 };
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, settings, () => 0))).toEqual([
      500, 1_000, 2_000, 4_000,
    ]);
    expect([1, 2, 3, 4].map((attempt) => backoffMs(attempt, settings, () => 1))).toEqual([
      1_000, 2_000, 4_000, 8_000,
    ]);
    expect(backoffMs(20, settings, () => 1)).toBe(60_000);
  });

  it('honours run-at: a job for three days later waits, then runs when its time comes', async () => {
    const runAt = new Date(server.services.clock().getTime() + 3 * 86_400_000);
    const id = await add({ kind: 'test.effect', payload: {}, runAt });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await row(id)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(await server.services.jobs.runDue()).toBe(0);

    server.advance(3 * 86_400_000 + 60_000);
    // Any wake-up will do (the poll, another job's NOTIFY): here, a bare notification.
    await server.database.db.execute(sql`select pg_notify('iris_jobs', '')`);
    expect((await until(id, 'done')).attempts).toBe(1);
    expect(await effectsOf(server.database.db, id)).toHaveLength(1);
  });

  it('leaves a kind it has no handler for queued; run anyway, it fails with a clear error, no crash', async () => {
    const id = await add({ kind: 'test.unknown', payload: {}, maxAttempts: 2 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await row(id)).toMatchObject({ state: 'queued', attempts: 0 });

    const first = await server.services.jobs.runJob(id);
    expect(first).toMatchObject({ outcome: 'retry', error: 'no handler for job kind "test.unknown"' });
    expect(await row(id)).toMatchObject({ state: 'queued', attempts: 1 });
    const second = await server.services.jobs.runJob(id);
    expect(second).toEqual({ outcome: 'failed', error: 'no handler for job kind "test.unknown"' });
    expect(await row(id)).toMatchObject({
      state: 'failed',
      attempts: 2,
      lastError: 'no handler for job kind "test.unknown"',
    });
    expect(await server.services.jobs.runJob(id)).toEqual({ outcome: 'skipped', state: 'failed' });

    // The worker goes on.
    const next = await add({ kind: 'test.effect', payload: {} });
    await until(next, 'done');
  });

  it('when a lease runs out mid-job, another worker runs the job and the first one’s effects roll back', async () => {
    const first = await secondWorker('first', { concurrency: 1, leaseMs: 300, pollIntervalMs: 50 });
    await first.start();
    const id = await add({ kind: 'test.slow-first', payload: { hold_ms: 1_200 } });
    await vi.waitFor(async () => expect(await row(id)).toMatchObject({ state: 'running', attempts: 1 }), {
      timeout: 5_000,
      interval: 10,
    });
    const second = await secondWorker('second', { leaseMs: 5_000, pollIntervalMs: 50 });
    await second.start();
    const done = await until(id, 'done');
    expect(done.attempts).toBe(2);
    expect(done.lastError).toMatch(/^attempt 1 lost its lease/);
    // The first worker's attempt ends (its done matches nothing) and rolls back; stop waits for it.
    await first.stop();
    await second.stop();
    expect(await effectsOf(server.database.db, id)).toEqual([{ job_id: id, attempt: 2, worker: 'second' }]);
    expect(await row(id)).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('with concurrency 0 (a web-only process) runs nothing; a worker of another process runs what waits', async () => {
    const web = await secondWorker('web', { concurrency: 0, pollIntervalMs: 20 });
    await web.start();
    // The server's worker does not know this kind: only the web process's worker or the one started
    // below could take it.
    const id = await add({ kind: 'test.slow-first', payload: { hold_ms: 0 } });
    // Twenty of the web worker's polls, and its NOTIFY wake-up, pass without a claim.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await row(id)).toMatchObject({ state: 'queued', attempts: 0 });
    expect(await web.runDue()).toBe(0);
    const worker = await secondWorker('worker', { pollIntervalMs: 20 });
    await worker.start();
    await until(id, 'done');
    expect(await effectsOf(server.database.db, id)).toEqual([{ job_id: id, attempt: 1, worker: 'worker' }]);
    await web.stop();
    await worker.stop();
  });

  it('stops within its drain: a job still running is given back and its transaction rolled back', async () => {
    const worker = await secondWorker('stopping', { drainMs: 200 });
    await worker.start();
    const id = await add({ kind: 'test.hold', payload: {} });
    await vi.waitFor(async () => expect(await row(id)).toMatchObject({ state: 'running' }), {
      timeout: 5_000,
      interval: 10,
    });
    const started = Date.now();
    await worker.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    const given = await row(id);
    expect(given).toMatchObject({ state: 'queued', attempts: 1, lockedBy: null });
    expect(given.lastError).toMatch(/abandoned: the server stopped/);
    const busy = await queryRows<{ n: number }>(
      server.database.db,
      sql`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and state like 'idle in transaction%'`,
    );
    expect(busy).toEqual([{ n: 0 }]);
    expect(await effectsOf(server.database.db, id)).toEqual([]);

    const next = await secondWorker('next', {});
    expect(await next.runDue()).toBe(1);
    expect(await row(id)).toMatchObject({ state: 'done', attempts: 2 });
    expect(await effectsOf(server.database.db, id)).toEqual([{ job_id: id, attempt: 2, worker: 'next' }]);
  });

  it('keeps jobs of kinds it has no handler for queued (another process may run them)', async () => {
    const [job] = await server.database.db
      .insert(jobs)
      .values({ kind: 'elsewhere.only', payload: {}, dedupeKey: 'elsewhere.only:test' })
      .returning();
    await server.database.db.execute(sql`select pg_notify('iris_jobs', '')`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await row(job?.id as string)).toMatchObject({ state: 'queued', attempts: 0 });
  });
});
