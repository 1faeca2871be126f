/**
 * The QStash driver: a publisher sends the outbox's due rows to QStash (`@upstash/qstash`), which calls
 * `POST /internal/jobs/:id` back; the delivery's `Upstash-Signature` is verified with the SDK's Receiver
 * (current and next signing keys) before anything else, then the job runs through the same claim → run →
 * done/retry as the local worker (run-job.ts).
 *
 * Publishing: rows due within PUBLISH_AHEAD_MS are locked (FOR UPDATE SKIP LOCKED, so several processes
 * never publish one row twice), published with `deduplicationId` = the job id and `notBefore` = its
 * run-at, and marked `published` in the same transaction. A crash between QStash's accept and the commit
 * leaves the row queued: the next publish of it is deduplicated by QStash.
 *
 * Retries belong to QStash: a failed attempt answers 5xx with `Retry-After` set to our backoff (QStash
 * honours it, up to a day), the row stays `published` with its last error. Each message asks QStash for
 * at most QSTASH_RETRIES retries (the free plan's most) and carries its last attempt's number in its
 * signed body, so the attempt QStash will not retry ends the job `failed` (answered with
 * `Upstash-NonRetryable-Error`, which sends the message to QStash's dead letter queue too).
 */
import { Client, Receiver } from '@upstash/qstash';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Database, queryRows } from '../../db/client.ts';
import type { Env } from '../env.ts';
import { errorFields } from '../logger.ts';
import type { JobDelivery, JobDeliveryAnswer, JobRunResult, Jobs } from '../services.ts';
import { type RunnerDeps, runJobById } from './run-job.ts';
import { startWakeUps, type WakeUps } from './wake-ups.ts';

/** Rows due within this are published now (QStash holds them until notBefore). */
const PUBLISH_AHEAD_MS = 60 * 60_000;
const PUBLISH_BATCH = 50;
/** Retries asked of QStash per message: every plan allows 3. */
const QSTASH_RETRIES = 3;
/** Signatures from a clock this far ahead of ours still verify (JWT nbf/exp). */
const CLOCK_TOLERANCE_S = 30;

/** The signed body of a message: which job, and the last attempt QStash will deliver. */
const DeliveryBody = z.object({ job_id: z.uuid(), final_attempt: z.number().int().min(1) });

const NON_RETRYABLE = { 'Upstash-NonRetryable-Error': 'true' };

function answer(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return { status, headers, body } satisfies JobDeliveryAnswer;
}

function refused(status: number, message: string, headers: Record<string, string> = {}) {
  return answer(status, { success: false, error: { message } }, headers);
}

const retryAfter = (at: Date) => ({
  'Retry-After': String(Math.max(1, Math.ceil((at.getTime() - Date.now()) / 1000))),
});

/** How a run's result reads to QStash: 2xx done with, 5xx retry later, 489 + non-retryable: give up. */
function toAnswer(id: string, result: JobRunResult, leaseMs: number): JobDeliveryAnswer {
  switch (result.outcome) {
    case 'done':
      return answer(200, { success: true, data: { id, state: 'done' } });
    case 'retry':
      return refused(500, result.error, retryAfter(result.retryAt));
    case 'failed':
      return refused(489, result.error, NON_RETRYABLE);
    case 'lost':
      return refused(503, 'the attempt lost its lease', retryAfter(new Date(Date.now() + leaseMs)));
    case 'skipped':
      if (result.state === 'missing') return refused(489, `no job ${id}`, NON_RETRYABLE);
      if (result.state === 'running') {
        return refused(503, 'the job is running elsewhere', retryAfter(new Date(Date.now() + leaseMs)));
      }
      return answer(200, { success: true, data: { id, state: result.state } });
  }
}

export interface QstashConfig {
  env: Pick<Env, 'QSTASH_URL' | 'QSTASH_TOKEN' | 'QSTASH_CURRENT_SIGNING_KEY' | 'QSTASH_NEXT_SIGNING_KEY'>;
  /** Where QStash calls back: IRIS_PUBLIC_URL without its trailing slash. */
  publicUrl: string;
}

export function createQstashDriver(
  deps: RunnerDeps,
  database: Pick<Database, 'listen'>,
  config: QstashConfig,
): Jobs {
  const { settings } = deps;
  const kinds = Object.keys(deps.handlers);
  const logger = () => deps.services().logger;
  const client = new Client({
    ...(config.env.QSTASH_URL ? { baseUrl: config.env.QSTASH_URL } : {}),
    token: config.env.QSTASH_TOKEN ?? '',
    devMode: false,
    enableTelemetry: false,
    retry: { retries: 2 },
  });
  const receiver = new Receiver({
    currentSigningKey: config.env.QSTASH_CURRENT_SIGNING_KEY ?? '',
    nextSigningKey: config.env.QSTASH_NEXT_SIGNING_KEY ?? '',
    devMode: false,
  });

  /** Publishes one batch of due rows; resolves with how many were published. */
  async function publishBatch(): Promise<number> {
    const now = deps.services().clock();
    return deps.db.transaction(async (tx) => {
      const rows = await queryRows<{ id: string; run_at_ms: number; attempts: number; max_attempts: number }>(
        tx,
        sql`select id, (extract(epoch from run_at) * 1000)::float8 as run_at_ms, attempts, max_attempts from jobs
          where state = 'queued' and kind in (${sql.join(
            kinds.map((kind) => sql`${kind}`),
            sql`, `,
          )})
            and run_at <= greatest(now(), ${now.toISOString()}::timestamptz) + ${PUBLISH_AHEAD_MS}::int * interval '1 millisecond'
          order by run_at
          limit ${PUBLISH_BATCH}
          for update skip locked`,
      );
      const sent = await Promise.allSettled(
        rows.map((row) => {
          const retries = Math.max(0, Math.min(QSTASH_RETRIES, row.max_attempts - row.attempts - 1));
          return client.publishJSON({
            url: `${config.publicUrl}/internal/jobs/${row.id}`,
            body: { job_id: row.id, final_attempt: row.attempts + retries + 1 },
            deduplicationId: row.id,
            retries,
            ...(row.run_at_ms > now.getTime() ? { notBefore: Math.ceil(row.run_at_ms / 1000) } : {}),
          });
        }),
      );
      const published = rows.filter((_, i) => sent[i]?.status === 'fulfilled').map((row) => row.id);
      sent.forEach((result, i) => {
        if (result.status === 'rejected') {
          logger().error('publishing a job to QStash failed', {
            jobId: rows[i]?.id,
            ...errorFields(result.reason),
          });
        }
      });
      if (published.length > 0) {
        await tx.execute(sql`update jobs set state = 'published', updated_at = now()
          where id in (${sql.join(
            published.map((id) => sql`${id}`),
            sql`, `,
          )})`);
      }
      return published.length;
    });
  }

  async function publishDue(): Promise<number> {
    if (kinds.length === 0) return 0;
    let total = 0;
    for (;;) {
      const published = await publishBatch();
      total += published;
      if (published < PUBLISH_BATCH) return total;
    }
  }

  let phase: 'idle' | 'running' | 'stopped' = 'idle';
  let publishing: Promise<unknown> | undefined;
  let again = false;
  let wakeUps: WakeUps | undefined;

  function wake(): void {
    if (phase !== 'running') return;
    if (publishing) {
      again = true;
      return;
    }
    again = false;
    publishing = publishDue()
      .catch((error: unknown) => logger().error('publishing jobs failed', errorFields(error)))
      .finally(() => {
        publishing = undefined;
        if (again) wake();
      });
  }

  return {
    driver: 'qstash',
    async start() {
      if (phase !== 'idle') return;
      phase = 'running';
      const started = await startWakeUps(database, {
        onNotify: wake,
        onPoll: wake,
        pollIntervalMs: settings.pollIntervalMs,
        logger,
      });
      if (phase !== 'running') {
        await started.stop();
        return;
      }
      wakeUps = started;
      wake();
    },
    async stop() {
      phase = 'stopped';
      const started = wakeUps;
      wakeUps = undefined;
      await started?.stop();
      await publishing;
    },
    runDue: publishDue,
    runJob: (id) => runJobById(deps, id, { retryState: 'published' }),
    async deliver(delivery: JobDelivery): Promise<JobDeliveryAnswer> {
      if (!delivery.signature) return refused(401, 'missing Upstash-Signature');
      try {
        await receiver.verify({
          signature: delivery.signature,
          body: delivery.body,
          url: delivery.url,
          clockTolerance: CLOCK_TOLERANCE_S,
        });
      } catch {
        return refused(401, 'invalid Upstash-Signature');
      }
      let parsed: z.infer<typeof DeliveryBody>;
      try {
        parsed = DeliveryBody.parse(JSON.parse(delivery.body));
      } catch {
        return refused(489, 'not a job delivery', NON_RETRYABLE);
      }
      if (parsed.job_id !== delivery.id) return refused(489, 'the body names another job', NON_RETRYABLE);
      try {
        const result = await runJobById(deps, delivery.id, {
          retryState: 'published',
          finalAttempt: parsed.final_attempt,
        });
        return toAnswer(delivery.id, result, settings.leaseMs);
      } catch (error) {
        logger().error('running a delivered job failed', { jobId: delivery.id, ...errorFields(error) });
        return refused(
          500,
          'the job could not be run',
          retryAfter(new Date(Date.now() + settings.backoffBaseMs)),
        );
      }
    },
  };
}
