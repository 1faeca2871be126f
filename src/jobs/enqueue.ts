/**
 * The outbox: a job is a row written in the transaction of the change that causes it, so the change and
 * its background work commit (or vanish) together. A NOTIFY in the same transaction, delivered on commit,
 * wakes the local workers at once; they also poll, so a lost notification only delays a job.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { jobs } from '../../db/schema-jobs.ts';

/** The NOTIFY channel of new jobs (no payload: a worker looks for whatever is due). */
export const JOBS_CHANNEL = 'iris_jobs';

export interface NewJob {
  /** Selects the handler (src/jobs/job-handlers.ts). */
  kind: string;
  payload: Record<string, unknown>;
  /** One job per cause: enqueueing the same key again does nothing. */
  dedupeKey: string;
  /** Not before this time (a follow-up days later); default: now. */
  runAt?: Date;
  /** Attempts before the job stays `failed` (default: the column's, 8). */
  maxAttempts?: number;
}

/**
 * Writes the job in `tx` (the caller's transaction). Resolves with the new job's id, or undefined when a
 * job with this dedupe key exists already (then nothing is written).
 */
export async function enqueue(tx: Db, job: NewJob): Promise<string | undefined> {
  const [row] = await tx
    .insert(jobs)
    .values({
      kind: job.kind,
      payload: job.payload,
      dedupeKey: job.dedupeKey,
      ...(job.runAt ? { runAt: job.runAt } : {}),
      ...(job.maxAttempts !== undefined ? { maxAttempts: job.maxAttempts } : {}),
    })
    .onConflictDoNothing({ target: jobs.dedupeKey })
    .returning({ id: jobs.id });
  if (!row) return undefined;
  await tx.execute(sql`select pg_notify(${JOBS_CHANNEL}, '')`);
  return row.id;
}
