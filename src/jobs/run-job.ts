/**
 * Runs one claimed attempt of a job, the same way for both drivers: the handler runs in a transaction of
 * its own that also marks the job done, guarded by this attempt's claim (worker id and attempt number).
 * If the lease ran out and another worker claimed the job meanwhile, the guard matches nothing, the
 * transaction rolls back and this attempt's effects vanish: a job's effects commit exactly once. A failed
 * attempt goes back to the queue after an exponential backoff with jitter, or ends `failed` when its
 * attempts are spent; the error is kept on the row either way.
 */
import type { Db } from '../../db/client.ts';
import { errorFields } from '../logger.ts';
import type { JobHandlers, JobRunResult, Services } from '../services.ts';
import { type ClaimedJob, claimById, markDone, recordFailure, stateOf } from './job-store.ts';

export interface JobSettings {
  /** Jobs run at once by one worker. */
  concurrency: number;
  /** Looking for due jobs besides NOTIFY wake-ups. */
  pollIntervalMs: number;
  /** How long a claim holds a job. */
  leaseMs: number;
  /** How long a stopping worker waits for running jobs before giving them back. */
  drainMs: number;
  /** Backoff before the second attempt; doubled for each later one, up to backoffMaxMs. */
  backoffBaseMs: number;
  backoffMaxMs: number;
}

/** What running jobs needs: a pool of its own (or the server's), the handlers, who this worker is. */
export interface RunnerDeps {
  db: Db;
  /** The service container handlers get (read at run time: it is built after the jobs). */
  services: () => Services;
  handlers: JobHandlers;
  workerId: string;
  settings: JobSettings;
}

export interface RunOptions {
  /** Where a failed attempt with attempts left goes: `queued` (local worker) or `published` (QStash retries it). */
  retryState: 'queued' | 'published';
  /** The last attempt this run may have, if lower than the job's max_attempts (QStash's retries). */
  finalAttempt?: number;
  /** Aborts the attempt (a stopping worker). */
  signal?: AbortSignal;
}

const MAX_ERROR_LENGTH = 2_000;

/** Thrown inside the attempt's transaction when its claim no longer holds: rolls the effects back. */
class LeaseLost extends Error {
  constructor(job: ClaimedJob) {
    super(`job ${job.id} attempt ${job.attempts} lost its lease to another worker`);
  }
}

/** Delay before the attempt after `attempt`: exponential, capped, with equal jitter (half fixed, half random). */
export function backoffMs(
  attempt: number,
  settings: Pick<JobSettings, 'backoffBaseMs' | 'backoffMaxMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(settings.backoffMaxMs, settings.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message || error.name : String(error);
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH)}…` : text;
}

export function handlerOf(handlers: JobHandlers, kind: string) {
  return Object.hasOwn(handlers, kind) ? handlers[kind] : undefined;
}

/** Runs a claimed attempt to its end: done, retry, failed, or lost (another worker has the job now). */
export async function runClaimed(
  deps: RunnerDeps,
  job: ClaimedJob,
  options: RunOptions,
): Promise<JobRunResult> {
  const services = deps.services();
  const controller = new AbortController();
  const abort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', abort, { once: true });
  // Past its lease the attempt is worth nothing (another worker may run the job): handlers that listen stop.
  const lease = setTimeout(() => controller.abort(new Error('the lease ran out')), deps.settings.leaseMs);
  lease.unref();
  try {
    const handler = handlerOf(deps.handlers, job.kind);
    if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
    await deps.db.transaction(async (tx) => {
      await handler({
        db: tx,
        services,
        job: { id: job.id, kind: job.kind, payload: job.payload, attempts: job.attempts },
        now: services.clock(),
        signal: controller.signal,
      });
      if (!(await markDone(tx, job, deps.workerId))) throw new LeaseLost(job);
    });
    return { outcome: 'done' };
  } catch (error) {
    const fields = { jobId: job.id, kind: job.kind, attempt: job.attempts };
    if (error instanceof LeaseLost) {
      services.logger.warn('job attempt lost its lease: its effects were rolled back', fields);
      return { outcome: 'lost' };
    }
    const message = describe(error);
    const final = job.attempts >= Math.min(job.maxAttempts, options.finalAttempt ?? job.maxAttempts);
    const retryAt = new Date(services.clock().getTime() + backoffMs(job.attempts, deps.settings));
    const recorded = await recordFailure(deps.db, job, deps.workerId, {
      error: message,
      retryAt,
      final,
      retryState: options.retryState,
    });
    if (recorded === undefined) {
      services.logger.warn('job attempt failed after losing its lease', { ...fields, ...errorFields(error) });
      return { outcome: 'lost' };
    }
    if (recorded === 'failed') {
      services.logger.error('job failed: no attempts left', { ...fields, ...errorFields(error) });
      return { outcome: 'failed', error: message };
    }
    services.logger.warn('job attempt failed: retrying', {
      ...fields,
      retryAt: retryAt.toISOString(),
      ...errorFields(error),
    });
    return { outcome: 'retry', error: message, retryAt };
  } finally {
    clearTimeout(lease);
    options.signal?.removeEventListener('abort', abort);
  }
}

/** Claims one job by id (any kind, due or not) and runs it; says why when nothing was run. */
export async function runJobById(deps: RunnerDeps, id: string, options: RunOptions): Promise<JobRunResult> {
  const claimant = { workerId: deps.workerId, leaseMs: deps.settings.leaseMs };
  const job = await claimById(deps.db, claimant, id);
  if (job) return runClaimed(deps, job, options);
  const state = await stateOf(deps.db, id);
  if (!state) return { outcome: 'skipped', state: 'missing' };
  if (state === 'done' || state === 'failed') return { outcome: 'skipped', state };
  return { outcome: 'skipped', state: 'running' };
}
