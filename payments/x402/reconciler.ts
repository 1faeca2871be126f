/**
 * The background task that finishes what requests left open: settlements that timed out, requests that
 * crashed between settling and committing, refunds owed. It only takes rows whose lease has run out,
 * so it never races a live request, and several processes may run it at once.
 */
import { errorFields } from '../../src/logger.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import { abandoned, takeLease } from './authorization-store.ts';
import { resumeRow } from './resume.ts';
import type { X402Deps } from './x402-deps.ts';

const BATCH = 20;

export interface Reconciler {
  /** One pass over the open rows; resolves when it is done. */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export function startReconciler(deps: X402Deps, operationsById: ReadonlyMap<string, Operation>): Reconciler {
  let running: Promise<number> | undefined;
  let stopped = false;

  const pass = async (): Promise<number> => {
    const now = deps.services.clock();
    let handled = 0;
    for (const candidate of await abandoned(deps.services.db, now, BATCH)) {
      if (stopped) break;
      const operation = operationsById.get(candidate.operationId);
      if (!operation) continue;
      const row = await takeLease(deps.services.db, candidate.id, now, deps.leaseMs);
      if (!row) continue;
      try {
        await resumeRow(deps, operation, row, 'reconcile', `reconcile_${row.id}`);
        handled += 1;
      } catch (error) {
        deps.services.logger.warn('x402 reconcile step did not finish', {
          authorizationId: row.id,
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
      deps.services.logger.error('x402 reconcile pass failed', errorFields(error)),
    );
  }, deps.config.reconcileIntervalMs);
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
