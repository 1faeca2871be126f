/**
 * Picking up an authorization someone already started: a replayed request (same signed payload, or
 * the same Idempotency-Key) or the reconciler after a crash or timeout. Settled rows answer their
 * stored response; open rows continue from what the database and the chain say happened.
 */
import type { Hex } from 'viem';
import { ApiError } from '../../src/errors/api-error.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import { openStoredResponse } from '../../src/pipeline/idempotency.ts';
import type { StoredResponse } from '../../src/pipeline/operation-io.ts';
import { type AuthorizationRow, deleteReservation, openPayment, update } from './authorization-store.ts';
import { abandon, chainVerdict, completePaid, settleAndConclude } from './conclude.ts';
import { settleRefund } from './refunds.ts';
import { chargedButFailed, paymentInProgress } from './responses.ts';
import type { X402Deps } from './x402-deps.ts';

export type ResumeMode = 'request' | 'reconcile';

/** Seconds after validBefore during which a transaction using the authorization may still be mined. */
const EXPIRY_GRACE_SECONDS = 60;

export function replayOf(deps: X402Deps, row: AuthorizationRow): StoredResponse {
  const stored = openStoredResponse(deps.services.sealer, row);
  return { ...stored, headers: { ...stored.headers, 'Idempotent-Replayed': 'true' } };
}

/**
 * Continues a row whose lease the caller holds. In request mode it answers the request; in reconcile
 * mode it finishes what can be finished and leaves the rest for the next round.
 */
export async function resumeRow(
  deps: X402Deps,
  operation: Operation,
  row: AuthorizationRow,
  mode: ResumeMode,
  requestId: string,
): Promise<StoredResponse | undefined> {
  const expired = deps.services.clock().getTime() / 1000 > row.validBefore + EXPIRY_GRACE_SECONDS;
  switch (row.state) {
    case 'settled':
      return replayOf(deps, row);
    case 'refund_owed':
    case 'refunded': {
      const refund = await settleRefund(deps, row.id);
      if (mode === 'reconcile') return undefined;
      throw chargedButFailed(row.txHash ?? 'unknown', row.amountAtomic, refund);
    }
    case 'submitted': {
      if (expired) {
        // No transaction can use it any more: the chain has the final word.
        const verdict = await chainVerdict(deps, row);
        if (verdict.used) return completePaid(deps, operation, row, verdict.transaction, requestId);
        await abandon(deps, row);
        if (mode === 'reconcile') return undefined;
        throw new ApiError(
          'PAYMENT_002',
          'x402 payment verification failed: the authorization expired before it settled',
        );
      }
      return settleAndConclude(deps, operation, row, openPayment(deps.services.sealer, row), requestId, {
        knownTransaction: row.txHash as Hex,
      });
    }
    case 'reserved': {
      if (!row.campaignId) {
        // The request died before creating anything, and nothing is broadcast before that.
        await deleteReservation(deps.services.db, row.id);
        if (mode === 'reconcile') return undefined;
        throw paymentInProgress();
      }
      const verdict = await chainVerdict(deps, row);
      if (verdict.used) return completePaid(deps, operation, row, verdict.transaction, requestId);
      if (mode === 'request') {
        return settleAndConclude(deps, operation, row, openPayment(deps.services.sealer, row), requestId);
      }
      // Not charged: keep it for the payer's retry until the authorization is dead, then let it go.
      if (expired) await abandon(deps, row);
      else await update(deps.services.db, row.id, { lockedUntil: new Date(0) });
      return undefined;
    }
    default:
      throw new Error(`authorization ${row.id} in unexpected state ${row.state}`);
  }
}
