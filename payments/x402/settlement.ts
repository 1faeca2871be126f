/**
 * The x402 settlement state machine. One x402_authorizations row per signed authorization:
 *
 *   reserved ──broadcast──▶ submitted ──mined──▶ settled     what was bought is live, the answer stored
 *      │                        │
 *      └──── chain: unused ─────┴──▶ (abandoned)            row and the waiting resource deleted; the
 *                                                            authorization stays the payer's to use
 *   reserved | submitted ──used, but what it bought is gone──▶ refund_owed ──sent back──▶ refunded
 *
 * The one rule: a failure is only believed once the chain confirms the authorization unused. Otherwise
 * money may have moved, and the purchase is completed (or refunded) rather than answered with a 402.
 * `continueSettlement` picks a row up where its state says: for a resent request, or the reconciler.
 */
import type { SettleResponse } from '@x402/core/types';
import { eq, sql } from 'drizzle-orm';
import type { Address, Hex } from 'viem';
import { queryRows } from '../../db/client.ts';
import { x402Authorizations } from '../../db/schema-payments.ts';
import { completeDeferredPurchase, PurchaseGone } from '../../src/domain/payments/complete-purchase.ts';
import { paymentReceiptSigner } from '../../src/domain/payments/payment-receipt.ts';
import { formatUsdc } from '../../src/domain/pricing.ts';
import { agentPrincipal } from '../../src/domain/principal.ts';
import { ApiError } from '../../src/errors/api-error.ts';
import type { PayableOperation } from '../../src/operations/define-operation.ts';
import { auditFrom } from '../../src/pipeline/audit.ts';
import type { StoredResponse } from '../../src/pipeline/operation-io.ts';
import { openStoredResponse, replayOf, sealStoredResponse } from '../../src/pipeline/reservation.ts';
import {
  type AuthorizationRow,
  authorizations,
  openPayment,
  type SealedPayment,
} from './authorization-store.ts';
import { authorizationUsed, findAuthorizationTransaction } from './chain-reads.ts';
import { ChainUnavailableError, type SettleOptions } from './facilitator.ts';
import { REASON } from './reasons.ts';
import { recordRefundOwed, settleRefund } from './refunds.ts';
import {
  authorizationInProgress,
  chainUnavailable,
  chargedButFailed,
  type PaymentMeta,
  paidResponse,
  verificationFailed,
} from './responses.ts';
import type { X402Deps } from './x402-deps.ts';

/** Seconds after validBefore during which a transaction using the authorization may still be mined. */
const EXPIRY_GRACE_SECONDS = 60;

/** How a settle call ended: its response, or the chain could not be reached (SERVER_009 then). */
export type Settlement = { result: SettleResponse } | { error: unknown };

/** For a resent request (answered) or the reconciler (finishes what it can, leaves the rest). */
export type Mode = 'request' | 'reconcile';

function meta(row: AuthorizationRow, status: PaymentMeta['status'], transaction: string): PaymentMeta {
  return {
    rail: 'x402',
    status,
    transaction,
    network: row.network,
    payer: row.payer,
    amount: formatUsdc(row.amountAtomic),
    identity_id: row.identityId ?? '',
  };
}

/**
 * reserved | submitted → settled: what was bought goes live, the payment is recorded, the identity gets
 * its key on its first payment, and the answer is stored, in one transaction. Safe to run twice: a row
 * settled meanwhile answers its stored response. PurchaseGone when what was bought no longer waits.
 */
export async function markSettled(
  deps: X402Deps,
  operation: PayableOperation,
  reserved: AuthorizationRow,
  transaction: string,
  requestId: string,
): Promise<StoredResponse> {
  const { services } = deps;
  const { resourceId, identityId } = reserved;
  if (!resourceId || !identityId) throw new PurchaseGone('nothing was created for this payment');
  const response = await services.db.transaction(async (tx) => {
    const now = services.clock();
    // What the reservation wrote about the payment never changes; its state does: locked while completed.
    const [row] = await tx
      .select()
      .from(x402Authorizations)
      .where(eq(x402Authorizations.id, reserved.id))
      .for('update');
    if (!row) throw new Error(`authorization ${reserved.id} vanished`);
    // Completed meanwhile by another request or the reconciler: its answer is this one's.
    if (row.state === 'settled') return openStoredResponse(services.sealer, row);
    if (row.state !== 'reserved' && row.state !== 'submitted') {
      throw new PurchaseGone(`authorization is ${row.state}`);
    }
    const { data, agentKey, paymentId, receipt } = await completeDeferredPurchase(
      tx,
      operation,
      resourceId,
      {
        rail: 'x402',
        identityId,
        amountMinor: reserved.amountAtomic,
        currency: 'USDC',
        reference: transaction,
        payer: reserved.payer,
        network: reserved.network,
        asset: reserved.asset,
        authorizationId: reserved.id,
        signReceipt: paymentReceiptSigner(services.env, deps.publicUrl, {
          kind: 'settlement',
          rail: 'x402',
          operation: operation.id,
          identityId,
          amountMinor: reserved.amountAtomic,
          currency: 'USDC',
          reference: transaction,
          resourceId,
          payer: reserved.payer,
          network: reserved.network,
          at: now,
        }),
      },
      {
        systemUserId: services.systemUserId,
        keyLabel: `agent ${reserved.payer}`,
        now,
        keyHeld: deps.known.hasKey(identityId),
      },
    );
    const settle: SettleResponse = {
      success: true,
      transaction,
      network: reserved.network as SettleResponse['network'],
      payer: reserved.payer,
    };
    const response = paidResponse(operation.successStatus ?? 200, data, settle, {
      ...meta(reserved, 'settled', transaction),
      payment_id: paymentId,
      ...(receipt ? { receipt } : {}),
      ...(agentKey ? { agent_api_key: agentKey } : {}),
    });
    // The row settled and its audit entry, in one statement.
    await queryRows(
      tx,
      sql`with settled as (
        update ${x402Authorizations} set state = 'settled', tx_hash = ${transaction},
          response_status = ${response.status},
          response_sealed = ${sealStoredResponse(services.sealer, response)},
          updated_at = ${now.toISOString()}::timestamptz
        where id = ${reserved.id}::uuid
        returning id
      ) ${auditFrom('settled', {
        action: 'settle_payment',
        operationId: operation.id,
        requestId,
        principal: agentPrincipal(services.systemUserId, identityId),
        resourceId,
        metadata: {
          rail: 'x402',
          transaction,
          amount_atomic: reserved.amountAtomic.toString(),
          payer: reserved.payer,
        },
        at: now,
      })}`,
    );
    return response;
  });
  // Committed: the identity holds its agent key now (issued here or before).
  deps.known.rememberKey(identityId);
  return response;
}

/** Money moved: settled, or, when what it bought is gone, refund_owed (and sent back when it can be). */
async function settledOrRefunded(
  deps: X402Deps,
  operation: PayableOperation,
  row: AuthorizationRow,
  transaction: string,
  requestId: string,
): Promise<StoredResponse> {
  try {
    return await markSettled(deps, operation, row, transaction, requestId);
  } catch (error) {
    if (error instanceof PurchaseGone) {
      await recordRefundOwed(deps, operation, row.id, transaction, error.message);
      throw chargedButFailed(transaction, row.amountAtomic, await settleRefund(deps, row.id));
    }
    deps.services.logger.error('x402: completing a settled payment failed; the reconciler will retry', {
      authorizationId: row.id,
      transaction,
      error: String(error),
    });
    throw chargedButFailed(transaction, row.amountAtomic, 'completing');
  }
}

/** → abandoned: nothing was charged; the waiting resource and the row go, the authorization stays usable. */
export async function abandon(
  deps: X402Deps,
  operation: PayableOperation,
  row: AuthorizationRow,
): Promise<void> {
  await deps.services.db.transaction(async (tx) => {
    if (row.resourceId) await operation.payment.deferred?.undo(tx, row.resourceId);
    await authorizations.release(tx, row.id);
  });
}

/** Whether the authorization was used on chain, and by which transaction; throws SERVER_009 if unknowable. */
export async function chainVerdict(
  deps: X402Deps,
  row: AuthorizationRow,
): Promise<{ used: false } | { used: true; transaction: string }> {
  const asset = row.asset as Address;
  const payer = row.payer as Address;
  const nonce = row.nonce as Hex;
  try {
    if (!(await authorizationUsed(deps.chain, asset, payer, nonce))) {
      // Unused as mined so far; but a transaction using it may wait in the mempool (one whose broadcast
      // answer was lost: a resend's own transfer is then refused as "authorization used"). Abandoning
      // now would let that transfer be mined for a payment already given up: nothing is final yet.
      if (await authorizationUsed(deps.chain, asset, payer, nonce, 'pending')) {
        throw new Error('a transaction using the authorization is not mined yet');
      }
      return { used: false };
    }
    const transaction = (await findAuthorizationTransaction(deps.chain, asset, payer, nonce)) ?? row.txHash;
    if (!transaction) throw new Error('authorization used but its transaction was not found');
    return { used: true, transaction };
  } catch (error) {
    deps.services.logger.warn('x402 chain check failed', { authorizationId: row.id, error: String(error) });
    throw chainUnavailable();
  }
}

/**
 * reserved → submitted: settles the authorization. `row` is read when the transaction is broadcast,
 * which a `gate` holds back until the reservation is committed: what comes before the broadcast
 * (settle's re-verify, gas and fees) can then run while the reservation is being written.
 */
export async function settle(
  deps: X402Deps,
  row: () => AuthorizationRow,
  payment: SealedPayment,
  options: Pick<SettleOptions, 'knownTransaction' | 'gate'> = {},
): Promise<Settlement> {
  let marking: Promise<unknown> = Promise.resolve();
  try {
    const result = await deps.facilitator.settle(payment.payload, payment.requirements, {
      ...options,
      onBroadcast: async (hash) => {
        const id = row().id;
        // Started once the receipt is being asked for: the chain works on the transaction meanwhile.
        marking = new Promise((resolve) => setImmediate(resolve))
          .then(() => authorizations.update(deps.services.db, id, { state: 'submitted', txHash: hash }))
          .catch((error: unknown) =>
            // Only a shortcut for recovery: the reconciler finds the transaction on chain without it.
            deps.services.logger.warn('x402: could not mark the authorization submitted', {
              authorizationId: id,
              transaction: hash,
              error: String(error),
            }),
          );
      },
    });
    await marking;
    return { result };
  } catch (error) {
    await marking;
    return { error };
  }
}

/** Turns a settle outcome into the answer: settled, pending (202), refunded, or (nothing moved) a 402. */
export async function answerSettlement(
  deps: X402Deps,
  operation: PayableOperation,
  row: AuthorizationRow,
  settlement: Settlement,
  requestId: string,
): Promise<StoredResponse> {
  if ('error' in settlement) {
    if (settlement.error instanceof ChainUnavailableError) throw chainUnavailable();
    throw settlement.error;
  }
  const { result } = settlement;
  if (result.success) return settledOrRefunded(deps, operation, row, result.transaction, requestId);
  if (result.errorReason === REASON.settlementPending && result.transaction) {
    await authorizations.update(deps.services.db, row.id, { state: 'submitted', txHash: result.transaction });
    const waiting = row.resourceId
      ? await operation.payment.deferred?.view(deps.services.db, row.resourceId)
      : null;
    return paidResponse(202, waiting ?? null, result, {
      ...meta(row, 'pending', result.transaction),
      payment_id: row.id,
    });
  }
  const verdict = await chainVerdict(deps, row);
  if (verdict.used) return settledOrRefunded(deps, operation, row, verdict.transaction, requestId);
  await abandon(deps, operation, row);
  throw verificationFailed(
    deps.config,
    operation,
    operation.payment.price,
    deps.publicUrl,
    result.errorReason ?? REASON.settlementFailed,
  );
}

async function settleAndAnswer(
  deps: X402Deps,
  operation: PayableOperation,
  row: AuthorizationRow,
  requestId: string,
  options: Pick<SettleOptions, 'knownTransaction'> = {},
): Promise<StoredResponse> {
  const payment = openPayment(deps.services.sealer, row);
  return answerSettlement(deps, operation, row, await settle(deps, () => row, payment, options), requestId);
}

/**
 * Continues a row someone already started, whose lease the caller holds: a resent request (same signed
 * payload or Idempotency-Key) or the reconciler after a crash or timeout. Request mode answers; reconcile
 * mode finishes what can be finished and leaves the rest for its next round (undefined).
 */
export async function continueSettlement(
  deps: X402Deps,
  operation: PayableOperation,
  row: AuthorizationRow,
  mode: Mode,
  requestId: string,
): Promise<StoredResponse | undefined> {
  const expired = deps.services.clock().getTime() / 1000 > row.validBefore + EXPIRY_GRACE_SECONDS;
  switch (row.state) {
    case 'settled':
      return replayOf(deps.services.sealer, row);
    case 'refund_owed':
    case 'refunded': {
      const refund = await settleRefund(deps, row.id);
      if (mode === 'reconcile') return undefined;
      throw chargedButFailed(row.txHash ?? 'unknown', row.amountAtomic, refund);
    }
    case 'submitted': {
      if (!expired) {
        return settleAndAnswer(deps, operation, row, requestId, { knownTransaction: row.txHash as Hex });
      }
      // No transaction can use it any more: the chain has the final word.
      const verdict = await chainVerdict(deps, row);
      if (verdict.used) return settledOrRefunded(deps, operation, row, verdict.transaction, requestId);
      await abandon(deps, operation, row);
      if (mode === 'reconcile') return undefined;
      throw new ApiError(
        'PAYMENT_002',
        'x402 payment verification failed: the authorization expired before it settled',
      );
    }
    case 'reserved': {
      if (!row.resourceId) {
        // The request died before creating anything, and nothing is broadcast before that.
        await authorizations.release(deps.services.db, row.id, 'reserved');
        if (mode === 'reconcile') return undefined;
        throw authorizationInProgress();
      }
      const verdict = await chainVerdict(deps, row);
      if (verdict.used) return settledOrRefunded(deps, operation, row, verdict.transaction, requestId);
      if (mode === 'request') return settleAndAnswer(deps, operation, row, requestId);
      // Not charged: keep it for the payer's retry until the authorization is dead, then let it go.
      if (expired) await abandon(deps, operation, row);
      else await authorizations.update(deps.services.db, row.id, { lockedUntil: new Date(0) });
      return undefined;
    }
    default:
      throw new Error(`authorization ${row.id} in unexpected state ${row.state}`);
  }
}
