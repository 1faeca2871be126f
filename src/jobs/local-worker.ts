/**
 * The local driver: a worker in the server process. It wakes on NOTIFY (a job was enqueued), on a poll
 * timer and as jobs end, claims due jobs in one short statement (FOR UPDATE SKIP LOCKED, so any number of
 * processes share one database without ever running one attempt twice), and runs up to `concurrency` of
 * them, each in its own transaction (run-job.ts). Jobs ending refill by half the concurrency at a time
 * (fewer claim statements); expired leases are looked for on the poll only (they are rare).
 *
 * It claims only the kinds it has handlers for: a kind another process (a newer version, or the engine
 * still to come) handles stays queued instead of failing here.
 *
 * Stopping: no new claims, then the running jobs get the drain to finish; those still running are given
 * back (queued, due at once, another process or the next start runs them) and their handlers aborted, so
 * their transactions roll back before the pool closes.
 */
import type { Database } from '../../db/client.ts';
import { errorFields } from '../logger.ts';
import type { JobRunResult, Jobs } from '../services.ts';
import { type ClaimedJob, claimDue, claimStale, releaseClaims } from './job-store.ts';
import { type RunnerDeps, runClaimed, runJobById } from './run-job.ts';
import { startWakeUps, type WakeUps } from './wake-ups.ts';

/** How long aborted handlers get to roll back after the drain, before the pool is closed under them. */
const ABORT_GRACE_MS = 2_000;

interface Running {
  job: ClaimedJob;
  controller: AbortController;
  ended: Promise<JobRunResult | undefined>;
}

/** Resolves true when every promise settled within `ms`, false on time out. */
async function settledWithin(promises: readonly Promise<unknown>[], ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([Promise.allSettled(promises).then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function createLocalWorker(deps: RunnerDeps, database: Pick<Database, 'listen'>): Jobs {
  const { settings, workerId } = deps;
  const kinds = Object.keys(deps.handlers);
  const claimant = { workerId, leaseMs: settings.leaseMs };
  const logger = () => deps.services().logger;
  /** By attempt (`id:attempts`): a job whose lease ran out here may be claimed again by this worker. */
  const running = new Map<string, Running>();
  /** Free slots that make a job's end claim more. */
  const refill = Math.ceil(settings.concurrency / 2);
  let phase: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  let filling: Promise<void> | undefined;
  let again = false;
  let sweep = true;
  let wakeUps: WakeUps | undefined;
  let stopping: Promise<void> | undefined;

  /** A retry due before the next poll gets a wake-up of its own. */
  function wakeAt(at: Date): void {
    const delay = at.getTime() - deps.services().clock().getTime();
    if (delay < settings.pollIntervalMs) setTimeout(wake, Math.max(0, delay) + 5).unref();
  }

  function launch(job: ClaimedJob): void {
    const key = `${job.id}:${job.attempts}`;
    const controller = new AbortController();
    const ended = runClaimed(deps, job, { retryState: 'queued', signal: controller.signal })
      .then((result) => {
        if (result.outcome === 'retry') wakeAt(result.retryAt);
        return result;
      })
      .catch((error: unknown) => {
        logger().error('job run failed', { jobId: job.id, kind: job.kind, ...errorFields(error) });
        return undefined;
      })
      .finally(() => {
        running.delete(key);
        if (settings.concurrency - running.size >= refill) wake();
      });
    running.set(key, { job, controller, ended });
  }

  async function fill(): Promise<void> {
    if (sweep) {
      sweep = false;
      const want = settings.concurrency - running.size;
      if (want > 0) {
        const stale = await claimStale(deps.db, claimant, {
          kinds,
          limit: want,
          now: deps.services().clock(),
        });
        for (const job of stale) launch(job);
      }
    }
    while (phase === 'running' && running.size < settings.concurrency) {
      const want = settings.concurrency - running.size;
      const claimed = await claimDue(deps.db, claimant, {
        kinds,
        limit: want,
        now: deps.services().clock(),
      });
      for (const job of claimed) launch(job);
      if (claimed.length < want) return;
    }
  }

  /** The poll: due jobs, and the rare ones (expired leases). */
  function tick(): void {
    sweep = true;
    wake();
  }

  function wake(): void {
    if (phase !== 'running') return;
    if (filling) {
      again = true;
      return;
    }
    again = false;
    filling = fill()
      .catch((error: unknown) => logger().error('claiming jobs failed', errorFields(error)))
      .finally(() => {
        filling = undefined;
        if (again) wake();
      });
  }

  async function drain(): Promise<void> {
    await wakeUps?.stop();
    await filling;
    if (
      await settledWithin(
        [...running.values()].map((run) => run.ended),
        settings.drainMs,
      )
    )
      return;
    const left = [...running.values()];
    await releaseClaims(
      deps.db,
      left.map((run) => run.job),
      workerId,
      `attempt abandoned: the server stopped before it finished (drain ${settings.drainMs} ms)`,
    ).catch((error: unknown) => logger().error('giving jobs back failed', errorFields(error)));
    for (const run of left) run.controller.abort(new Error('the server is stopping'));
    if (
      !(await settledWithin(
        left.map((run) => run.ended),
        ABORT_GRACE_MS,
      ))
    ) {
      logger().warn('jobs still running at shutdown: their transactions end with the pool', {
        jobs: left.map((run) => run.job.id),
      });
    }
  }

  return {
    driver: 'local',
    async start() {
      // Concurrency 0: a web-only process; the jobs it enqueues are run by another process's worker.
      if (phase !== 'idle' || settings.concurrency === 0) return;
      phase = 'running';
      const started = await startWakeUps(database, {
        onNotify: wake,
        onPoll: tick,
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
    stop() {
      stopping ??= (async () => {
        const was = phase;
        phase = 'stopping';
        if (was === 'running') await drain();
        phase = 'stopped';
      })();
      return stopping;
    },
    async runDue() {
      let ran = 0;
      for (;;) {
        const options = { kinds, limit: settings.concurrency, now: deps.services().clock() };
        const stale = await claimStale(deps.db, claimant, options);
        const claimed = [
          ...stale,
          ...(await claimDue(deps.db, claimant, { ...options, limit: options.limit - stale.length })),
        ];
        if (claimed.length === 0) return ran;
        await Promise.all(claimed.map((job) => runClaimed(deps, job, { retryState: 'queued' })));
        ran += claimed.length;
      }
    },
    runJob: (id) => runJobById(deps, id, { retryState: 'queued' }),
  };
}
