/**
 * The job table's state changes, each one statement (so each is its own short transaction, or a step of
 * the attempt's transaction for `markDone`). A claim makes a job `running` under a lease held by one
 * worker for one attempt; every later change of that attempt is guarded by the same worker id and
 * attempt number, so a worker whose lease ran out (and whose job was claimed again) changes nothing.
 *
 * Times: leases run on the database's clock (shared by every process); due times compare with the later
 * of the database's clock and the service clock, which tests move forward.
 */
import { type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import type { JobRecord } from '../services.ts';

/** A job claimed for one attempt. */
export interface ClaimedJob extends JobRecord {
  maxAttempts: number;
}

/** Who claims, for how long. */
export interface Claimant {
  workerId: string;
  leaseMs: number;
}

interface ClaimRow {
  id: string;
  kind: string;
  payload: Record<string, unknown> | null;
  attempts: number;
  max_attempts: number;
}

const claimed = (row: ClaimRow): ClaimedJob => ({
  id: row.id,
  kind: row.kind,
  payload: row.payload ?? {},
  attempts: row.attempts,
  maxAttempts: row.max_attempts,
});

const LOST_LEASE = sql`'attempt ' || jobs.attempts || ' lost its lease (worker stopped, or the handler ran past the lease)'`;

/**
 * The claim of the jobs `due` selects (locked rows): running, this worker's, one attempt more. Its commit
 * does not wait for the WAL flush (synchronous_commit off for this statement's transaction): a claim lost
 * in a database crash leaves the job as it was, to be claimed again, and the attempt's own transaction,
 * committed durably later, flushes the claim before it. It saves a disk flush per claim.
 */
function claimSql(claimant: Claimant, due: SQL): SQL {
  return sql`with due as (${due})
    update jobs set
      state = 'running',
      locked_by = ${claimant.workerId},
      locked_until = now() + ${claimant.leaseMs}::int * interval '1 millisecond',
      attempts = jobs.attempts + 1,
      last_error = case when jobs.state = 'running' then ${LOST_LEASE} else jobs.last_error end,
      updated_at = now()
    from due, (select set_config('synchronous_commit', 'off', true)) as async_commit
    where jobs.id = due.id
    returning jobs.id, jobs.kind, jobs.payload, jobs.attempts, jobs.max_attempts`;
}

/** Expired leases whose last attempt is spent end `failed` (nobody will run them again). */
function failSpentLeases(where: SQL): SQL {
  return sql`update jobs set
      state = 'failed',
      last_error = ${LOST_LEASE},
      locked_by = null,
      locked_until = null,
      finished_at = now(),
      updated_at = now()
    where jobs.id in (
      select id from jobs
      where state = 'running' and locked_until < now() and attempts >= max_attempts and ${where}
      for update skip locked
    )`;
}

function kindIn(kinds: readonly string[]): SQL {
  if (kinds.length === 0) return sql`false`;
  return sql`kind in (${sql.join(
    kinds.map((kind) => sql`${kind}`),
    sql`, `,
  )})`;
}

/**
 * The hot path: claims up to `limit` queued jobs of these kinds that are due, oldest due first (an index
 * scan of (state, run_at) that stops at `limit`). Rows other workers are claiming are skipped, never
 * waited for.
 */
export async function claimDue(
  db: Db,
  claimant: Claimant,
  options: { kinds: readonly string[]; limit: number; now: Date },
): Promise<ClaimedJob[]> {
  const due = sql`select id from jobs
    where state = 'queued' and run_at <= greatest(now(), ${options.now.toISOString()}::timestamptz)
      and ${kindIn(options.kinds)}
    order by run_at
    limit ${options.limit}
    for update skip locked`;
  return (await queryRows<ClaimRow>(db, claimSql(claimant, due))).map(claimed);
}

/**
 * The rare cases, looked for on the poll: expired leases (a crashed worker's jobs) are claimed again while
 * attempts are left and end `failed` when none is; published rows that are due (left by the QStash driver)
 * are claimed too.
 */
export async function claimStale(
  db: Db,
  claimant: Claimant,
  options: { kinds: readonly string[]; limit: number; now: Date },
): Promise<ClaimedJob[]> {
  const kinds = kindIn(options.kinds);
  await db.execute(failSpentLeases(kinds));
  const due = sql`select id from jobs
    where ${kinds} and (
      (state = 'running' and locked_until < now() and attempts < max_attempts)
      or (state = 'published' and run_at <= greatest(now(), ${options.now.toISOString()}::timestamptz))
    )
    order by run_at
    limit ${options.limit}
    for update skip locked`;
  return (await queryRows<ClaimRow>(db, claimSql(claimant, due))).map(claimed);
}

/**
 * Claims one job by id, whatever its kind and due time (QStash decides when to deliver): queued or
 * published, or running under an expired lease with attempts left. Undefined when it cannot be claimed.
 */
export async function claimById(db: Db, claimant: Claimant, id: string): Promise<ClaimedJob | undefined> {
  const due = sql`select id from jobs
    where id = ${id} and (
      state in ('queued', 'published')
      or (state = 'running' and locked_until < now() and attempts < max_attempts)
    )
    for update`;
  const [row] = await queryRows<ClaimRow>(db, claimSql(claimant, due));
  if (row) return claimed(row);
  await db.execute(failSpentLeases(sql`id = ${id}`));
  return undefined;
}

/** A job's state, for answering why it was not claimed. */
export async function stateOf(db: Db, id: string): Promise<string | undefined> {
  const [row] = await queryRows<{ state: string }>(db, sql`select state from jobs where id = ${id}`);
  return row?.state;
}

const held = (job: ClaimedJob, workerId: string) =>
  sql`id = ${job.id} and state = 'running' and locked_by = ${workerId} and attempts = ${job.attempts}`;

/** In the attempt's transaction: marks the job done if this attempt still holds it. */
export async function markDone(tx: Db, job: ClaimedJob, workerId: string): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`update jobs set state = 'done', locked_by = null, locked_until = null, finished_at = now(),
      updated_at = now()
    where ${held(job, workerId)} returning id`,
  );
  return rows.length === 1;
}

/**
 * After a failed attempt (its transaction rolled back): back to `retryState` at `retryAt`, or `failed`
 * when `final`; the error kept either way. Undefined when this attempt no longer held the job.
 */
export async function recordFailure(
  db: Db,
  job: ClaimedJob,
  workerId: string,
  failure: { error: string; retryAt: Date; final: boolean; retryState: 'queued' | 'published' },
): Promise<'retry' | 'failed' | undefined> {
  const state = failure.final ? 'failed' : failure.retryState;
  const rows = await queryRows<{ id: string }>(
    db,
    sql`update jobs set
      state = ${state},
      last_error = ${failure.error},
      run_at = ${failure.final ? sql`run_at` : sql`${failure.retryAt.toISOString()}::timestamptz`},
      finished_at = ${failure.final ? sql`now()` : sql`null`},
      locked_by = null,
      locked_until = null,
      updated_at = now()
    where ${held(job, workerId)} returning id`,
  );
  if (rows.length === 0) return undefined;
  return failure.final ? 'failed' : 'retry';
}

/**
 * Gives claimed jobs back (a stopping worker past its drain): queued and due at once, the attempt
 * counted, `reason` kept as the error. Rows being changed right now (an attempt committing) are left.
 */
export async function releaseClaims(
  db: Db,
  jobsHeld: readonly ClaimedJob[],
  workerId: string,
  reason: string,
) {
  if (jobsHeld.length === 0) return;
  const heldNow = sql.join(
    jobsHeld.map((job) => sql`(${held(job, workerId)})`),
    sql` or `,
  );
  await db.execute(sql`update jobs set state = 'queued', run_at = now(), last_error = ${reason},
      locked_by = null, locked_until = null, updated_at = now()
    where id in (select id from jobs where ${heldNow} for update skip locked)`);
}
