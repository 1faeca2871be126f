/**
 * The one reconciler loop the rails share: every `intervalMs`, in the background and without keeping the
 * process alive, it takes the rows requests left open (a crash, a timeout, an answer lost) whose lease
 * has run out, leases each, and hands it to the rail to finish. It never races a live request (its
 * lease holds the row), several processes may run it at once, one pass runs at a time (a call during a
 * pass joins it), and stopping awaits the pass in flight (which ends its loop early).
 */
import { errorFields } from '../../src/logger.ts';
import { isPayable, type Operation, type PayableOperation } from '../../src/operations/define-operation.ts';
import type { Services } from '../../src/services.ts';

export interface Reconciler {
  /** One pass over the open rows; resolves with how many it handled. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

const BATCH = 20;

export interface OpenRows<Row extends { id: string; operationId: string }> {
  /** Names the rail in logs. */
  name: string;
  intervalMs: number;
  /** Rows whose lease has run out, oldest first. */
  abandoned(now: Date, limit: number): Promise<Row[]>;
  /** Takes the row's lease; undefined when someone took it meanwhile. */
  lease(row: Row, now: Date): Promise<Row | undefined>;
  finish(operation: PayableOperation, row: Row): Promise<unknown>;
  /** Other work of the pass, run first; returns how many things it handled. */
  alsoEachPass?(now: Date): Promise<number>;
}

export function startReconciler<Row extends { id: string; operationId: string }>(
  services: Pick<Services, 'logger' | 'clock'>,
  operations: readonly Operation[],
  rows: OpenRows<Row>,
): Reconciler {
  const byId = new Map(operations.filter(isPayable).map((o) => [o.id, o]));
  let running: Promise<number> | undefined;
  let stopped = false;

  const pass = async (): Promise<number> => {
    const now = services.clock();
    let handled = (await rows.alsoEachPass?.(now)) ?? 0;
    for (const candidate of await rows.abandoned(now, BATCH)) {
      if (stopped) break;
      const operation = byId.get(candidate.operationId);
      if (!operation) continue;
      const row = await rows.lease(candidate, now);
      if (!row) continue;
      try {
        await rows.finish(operation, row);
        handled += 1;
      } catch (error) {
        services.logger.warn(`${rows.name} reconcile step did not finish`, {
          id: row.id,
          ...errorFields(error),
        });
      }
    }
    return handled;
  };
  const runOnce = () => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    runOnce().catch((error: unknown) =>
      services.logger.error(`${rows.name} reconcile pass failed`, errorFields(error)),
    );
  }, rows.intervalMs);
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
