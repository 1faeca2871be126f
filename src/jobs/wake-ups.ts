/**
 * What wakes a jobs driver: NOTIFY on the jobs channel (a job was enqueued, on commit) and a poll (a lost
 * notification, a run-at coming due). Without the NOTIFY feed the poll alone still finds every job.
 */
import type { Database } from '../../db/client.ts';
import { errorFields, type Logger } from '../logger.ts';
import { JOBS_CHANNEL } from './enqueue.ts';

export interface WakeUps {
  /** Ends the poll and the NOTIFY feed. */
  stop(): Promise<void>;
}

export async function startWakeUps(
  database: Pick<Database, 'listen'>,
  options: { onNotify: () => void; onPoll: () => void; pollIntervalMs: number; logger: () => Logger },
): Promise<WakeUps> {
  const unlisten = await database
    .listen(JOBS_CHANNEL, options.onNotify, options.onNotify)
    .catch((error: unknown) => {
      options.logger().warn('no jobs NOTIFY feed: new jobs wait for the poll', errorFields(error));
      return undefined;
    });
  const poll = setInterval(options.onPoll, options.pollIntervalMs);
  poll.unref();
  return {
    async stop() {
      clearInterval(poll);
      await unlisten?.().catch(() => {});
    },
  };
}
