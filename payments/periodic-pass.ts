/**
 * How a rail's reconciler runs: one pass at a time (a call while a pass runs joins it), every
 * `intervalMs` in the background without keeping the process alive, and stopped cleanly (the pass in
 * flight is awaited; the pass sees `stopped()` and ends its loop early).
 */
import { errorFields, type Logger } from '../src/logger.ts';

export interface Reconciler {
  /** One pass over the open rows; resolves with how many it handled. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function startPeriodicPass(
  pass: (stopped: () => boolean) => Promise<number>,
  options: { intervalMs: number; logger: Logger; name: string },
): Reconciler {
  let running: Promise<number> | undefined;
  let stopped = false;
  const runOnce = () => {
    running ??= pass(() => stopped).finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) =>
      options.logger.error(`${options.name} pass failed`, errorFields(error)),
    );
  }, options.intervalMs);
  timer.unref();
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => 0);
    },
  };
}
