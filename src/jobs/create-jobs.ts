/**
 * Builds the jobs port for JOBS_DRIVER: the local worker (default) or the QStash publisher and endpoint.
 *
 * Why not a queue library: jobs are an outbox, written by `enqueue` in the caller's drizzle transaction,
 * and a job's effects must commit in the same transaction that marks it done. pg-boss can insert through
 * a caller's executor, but it keeps jobs in its own schema (created and migrated by itself, beside our
 * drizzle migrations) and completes them on its own connection, after the handler's work committed —
 * so a retried or lease-expired job could apply its effects twice. graphile-worker has the same split.
 * What is left to write is small: one claim statement (FOR UPDATE SKIP LOCKED), a guarded done, a
 * backoff, a loop; job-store.ts, run-job.ts and local-worker.ts hold it.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from '../../db/client.ts';
import { type Env, publicUrlOf } from '../env.ts';
import type { JobHandlers, Jobs, Services } from '../services.ts';
import { JOB_HANDLERS } from './job-handlers.ts';
import { createLocalWorker } from './local-worker.ts';
import type { JobSettings } from './run-job.ts';

export interface JobsOptions {
  /** The kind → handler map (default: src/jobs/job-handlers.ts). */
  handlers?: JobHandlers;
  /** Overrides of the settings read from the environment (tests: short leases and backoffs). */
  settings?: Partial<JobSettings>;
  /** Another pool to run on (default: the server's). */
  database?: Database;
}

export function jobSettings(env: Env, overrides: Partial<JobSettings> = {}): JobSettings {
  return {
    concurrency: env.JOBS_CONCURRENCY,
    pollIntervalMs: env.JOBS_POLL_INTERVAL_MS,
    leaseMs: env.JOBS_LEASE_MS,
    drainMs: 10_000,
    backoffBaseMs: 10_000,
    backoffMaxMs: 60 * 60_000,
    ...overrides,
  };
}

/** A worker id: readable in `jobs.locked_by`, unique per worker. */
function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * `services` is read when a job runs (the container is built after its jobs). The QStash driver's modules
 * are loaded only when it is configured.
 */
export async function createJobs(
  env: Env,
  database: Database,
  services: () => Services,
  options: JobsOptions = {},
): Promise<Jobs> {
  const pool = options.database ?? database;
  const deps = {
    db: pool.db,
    services,
    handlers: options.handlers ?? JOB_HANDLERS,
    workerId: newWorkerId(),
    settings: jobSettings(env, options.settings),
  };
  if (env.JOBS_DRIVER === 'qstash') {
    const { createQstashDriver } = await import('./qstash-driver.ts');
    return createQstashDriver(deps, pool, { env, publicUrl: publicUrlOf(env) });
  }
  return createLocalWorker(deps, pool);
}
