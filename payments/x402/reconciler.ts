/**
 * The background task that finishes what requests left open: settlements that timed out, requests that
 * crashed between settling and committing, refunds owed. It only takes rows whose lease has run out,
 * so it never races a live request, and several processes may run it at once.
 */
import { errorFields } from '../../src/logger.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import { type Reconciler, startPeriodicPass } from '../periodic-pass.ts';
import { abandoned, takeLease } from './authorization-store.ts';
import { resumeRow } from './resume.ts';
import type { X402Deps } from './x402-deps.ts';

const BATCH = 20;

export function startReconciler(deps: X402Deps, operationsById: ReadonlyMap<string, Operation>): Reconciler {
  return startPeriodicPass(
    async (stopped) => {
      const now = deps.services.clock();
      let handled = 0;
      for (const candidate of await abandoned(deps.services.db, now, BATCH)) {
        if (stopped()) break;
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
    },
    { intervalMs: deps.config.reconcileIntervalMs, logger: deps.services.logger, name: 'x402 reconcile' },
  );
}
