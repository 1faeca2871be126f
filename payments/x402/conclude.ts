/**
 * Settling a reserved authorization and turning the outcome into an answer. The one rule: a failure is
 * only believed after the chain confirms the authorization is unused. Otherwise money may have moved,
 * and the campaign is completed (or refunded) instead of answered with a fresh 402.
 */
import type { SettleResponse } from '@x402/core/types';
import { and, eq } from 'drizzle-orm';
import type { Address, Hex } from 'viem';
import { campaigns } from '../../db/schema.ts';
import { x402Authorizations } from '../../db/schema-payments.ts';
import { CampaignGoneError } from '../../src/domain/campaigns/activate-campaign.ts';
import { toCampaign } from '../../src/domain/campaigns/campaign-view.ts';
import { formatUsdc, priceOf } from '../../src/domain/pricing.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import type { StoredResponse } from '../../src/pipeline/operation-io.ts';
import { type AuthorizationRow, type SealedPayment, update } from './authorization-store.ts';
import { authorizationUsed, findAuthorizationTransaction } from './chain-reads.ts';
import { ChainUnavailableError, type SettleOptions } from './facilitator.ts';
import { finalize } from './finalize.ts';
import { recordRefundOwed, settleRefund } from './refunds.ts';
import { chainUnavailable, chargedButFailed, pendingResponse, verificationFailed } from './responses.ts';
import type { X402Deps } from './x402-deps.ts';

export const SETTLEMENT_PENDING = 'settlement_pending';

/** Marks the payment complete; if its campaign cannot be completed, records (and sends) the refund. */
export async function completePaid(
  deps: X402Deps,
  operation: Operation,
  row: AuthorizationRow,
  transaction: string,
  requestId: string,
): Promise<StoredResponse> {
  try {
    return await finalize(deps, operation, row, transaction, requestId);
  } catch (error) {
    if (error instanceof CampaignGoneError) {
      await recordRefundOwed(deps, row.id, transaction, error.message);
      throw chargedButFailed(transaction, row.amountAtomic, await settleRefund(deps, row.id));
    }
    deps.services.logger.error('x402 finalize failed; the reconciler will retry', {
      authorizationId: row.id,
      transaction,
      error: String(error),
    });
    throw chargedButFailed(transaction, row.amountAtomic, 'completing');
  }
}

/** Nothing was charged: the pending campaign and the reservation disappear; the authorization stays usable. */
export async function abandon(deps: X402Deps, row: AuthorizationRow): Promise<void> {
  await deps.services.db.transaction(async (tx) => {
    if (row.campaignId) {
      await tx
        .delete(campaigns)
        .where(and(eq(campaigns.id, row.campaignId), eq(campaigns.status, 'pending_payment')));
    }
    await tx.delete(x402Authorizations).where(eq(x402Authorizations.id, row.id));
  });
}

/** Whether the authorization was used on chain, and by which transaction; throws SERVER_009 if unknowable. */
export async function chainVerdict(
  deps: X402Deps,
  row: AuthorizationRow,
): Promise<{ used: false } | { used: true; transaction: string }> {
  try {
    const used = await authorizationUsed(
      deps.chain,
      row.asset as Address,
      row.payer as Address,
      row.nonce as Hex,
    );
    if (!used) return { used: false };
    const transaction =
      (await findAuthorizationTransaction(
        deps.chain,
        row.asset as Address,
        row.payer as Address,
        row.nonce as Hex,
      )) ?? row.txHash;
    if (!transaction) throw new Error('authorization used but its transaction was not found');
    return { used: true, transaction };
  } catch (error) {
    deps.services.logger.warn('x402 chain check failed', { authorizationId: row.id, error: String(error) });
    throw chainUnavailable();
  }
}

async function pending(
  deps: X402Deps,
  row: AuthorizationRow,
  settle: SettleResponse,
): Promise<StoredResponse> {
  const [campaign] = row.campaignId
    ? await deps.services.db.select().from(campaigns).where(eq(campaigns.id, row.campaignId))
    : [];
  return pendingResponse(campaign ? toCampaign(campaign) : null, settle, {
    rail: 'x402',
    status: 'pending',
    transaction: settle.transaction,
    network: row.network,
    payer: row.payer,
    amount: formatUsdc(row.amountAtomic),
    identity_id: row.identityId ?? '',
  });
}

/** How a settle call ended: its response, or the chain could not be reached (SERVER_009 then). */
export type Settlement = { result: SettleResponse } | { error: unknown };

/**
 * Settles a reserved authorization. `row` is read when the transaction is broadcast, which a `gate`
 * holds back until the reservation is committed: what comes before the broadcast (settle's re-verify,
 * gas and fees) can then run while the reservation is being written. The row is marked submitted, with
 * the transaction hash, while the receipt is awaited.
 */
export async function settleReserved(
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
          .then(() => update(deps.services.db, id, { state: 'submitted', txHash: hash }))
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

/** Turns a settle outcome into the answer: completed, pending, refunded or (nothing moved) a 402. */
export async function concludeSettlement(
  deps: X402Deps,
  operation: Operation,
  row: AuthorizationRow,
  settlement: Settlement,
  requestId: string,
): Promise<StoredResponse> {
  if ('error' in settlement) {
    if (settlement.error instanceof ChainUnavailableError) throw chainUnavailable();
    throw settlement.error;
  }
  const { result } = settlement;
  if (result.success) return completePaid(deps, operation, row, result.transaction, requestId);
  if (result.errorReason === SETTLEMENT_PENDING && result.transaction) {
    await update(deps.services.db, row.id, { state: 'submitted', txHash: result.transaction });
    return pending(deps, row, result);
  }
  const verdict = await chainVerdict(deps, row);
  if (verdict.used) return completePaid(deps, operation, row, verdict.transaction, requestId);
  await abandon(deps, row);
  throw verificationFailed(
    deps.config,
    operation,
    priceOf(operation.id),
    deps.publicUrl,
    result.errorReason ?? 'settlement_failed',
  );
}

export async function settleAndConclude(
  deps: X402Deps,
  operation: Operation,
  row: AuthorizationRow,
  payment: SealedPayment,
  requestId: string,
  options: Pick<SettleOptions, 'knownTransaction'> = {},
): Promise<StoredResponse> {
  const settlement = await settleReserved(deps, () => row, payment, options);
  return concludeSettlement(deps, operation, row, settlement, requestId);
}
