/**
 * When money moved but what it bought cannot exist any more: the payment still enters the ledger, a
 * refund is recorded as owed, and with a refund wallet (X402_REFUND_PRIVATE_KEY) the USDC is sent back. A
 * refund is marked `sending` before its transaction goes out and never sent twice automatically.
 */
import { and, eq } from 'drizzle-orm';
import type { Hex } from 'viem';
import { paymentRefunds, payments, x402Authorizations } from '../../db/schema-payments.ts';
import { oweRefund } from '../../src/domain/payments/owe-refund.ts';
import { receiptForRefund } from '../../src/domain/payments/payment-receipt.ts';
import type { PayableOperation } from '../../src/operations/define-operation.ts';
import { eip3009Abi } from './eip3009.ts';
import type { CallScope } from './settler.ts';
import type { X402Deps } from './x402-deps.ts';

export interface RefundState {
  state: 'owed' | 'sent';
  reference?: string | null;
}

export async function recordRefundOwed(
  deps: X402Deps,
  operation: PayableOperation,
  authorizationId: string,
  transaction: string,
  reason: string,
): Promise<void> {
  const { services } = deps;
  await services.db.transaction(async (tx) => {
    const now = services.clock();
    const [row] = await tx
      .select()
      .from(x402Authorizations)
      .where(eq(x402Authorizations.id, authorizationId))
      .for('update');
    if (!row || row.state === 'refund_owed' || row.state === 'refunded' || row.state === 'settled') return;
    if (!row.identityId) throw new Error('refund without identity');
    await tx
      .insert(payments)
      .values({
        rail: 'x402',
        identityId: row.identityId,
        campaignId: null,
        amountMinor: row.amountAtomic,
        currency: 'USDC',
        network: row.network,
        asset: row.asset,
        payer: row.payer,
        reference: transaction,
        authorizationId: row.id,
        createdAt: now,
      })
      .onConflictDoNothing();
    const [payment] = await tx
      .select({ id: payments.id })
      .from(payments)
      .where(and(eq(payments.rail, 'x402'), eq(payments.reference, transaction)));
    if (!payment) throw new Error('payment row missing');
    await oweRefund(tx, { id: payment.id, amountMinor: row.amountAtomic, currency: 'USDC' }, reason, now);
    if (row.resourceId) await operation.payment.deferred?.undo(tx, row.resourceId);
    await tx
      .update(x402Authorizations)
      .set({ state: 'refund_owed', txHash: transaction, failureReason: reason, updatedAt: now })
      .where(eq(x402Authorizations.id, row.id));
  });
}

/** Sends an owed refund back to the payer if a refund wallet is configured; returns what it knows. */
export async function settleRefund(deps: X402Deps, authorizationId: string): Promise<RefundState> {
  const { services } = deps;
  const [found] = await services.db
    .select({ refund: paymentRefunds, payment: payments, operationId: x402Authorizations.operationId })
    .from(paymentRefunds)
    .innerJoin(payments, eq(paymentRefunds.paymentId, payments.id))
    .innerJoin(x402Authorizations, eq(payments.authorizationId, x402Authorizations.id))
    .where(eq(payments.authorizationId, authorizationId))
    .limit(1);
  if (!found) return { state: 'owed' };
  const { refund, payment, operationId } = found;
  const payer = payment.payer;
  if (refund.state === 'sent') return { state: 'sent', reference: refund.reference };
  if (refund.state !== 'owed' || !deps.refunder || !payer) return { state: 'owed' };

  // Claim the refund before money moves: a crash after this point leaves `sending` for a person to check.
  const claimed = await services.db
    .update(paymentRefunds)
    .set({ state: 'sending' })
    .where(and(eq(paymentRefunds.id, refund.id), eq(paymentRefunds.state, 'owed')))
    .returning({ id: paymentRefunds.id });
  if (claimed.length === 0) return { state: 'owed' };
  let hash: Hex | undefined;
  const scope: CallScope = {};
  try {
    const signer = deps.refunder.signerFor(scope);
    hash = await signer.writeContract({
      address: deps.config.asset,
      abi: eip3009Abi,
      functionName: 'transfer',
      args: [payer, refund.amountMinor],
    });
    const receipt = await signer.waitForTransactionReceipt({ hash });
    if (receipt.status !== 'success') throw new Error(`refund transaction ${hash} reverted`);
  } catch (error) {
    if (!hash && !scope.sendAttempted) {
      // Nothing went out: the refund is owed again.
      await services.db.update(paymentRefunds).set({ state: 'owed' }).where(eq(paymentRefunds.id, refund.id));
    } else if (hash) {
      await services.db
        .update(paymentRefunds)
        .set({ reference: hash })
        .where(eq(paymentRefunds.id, refund.id));
    }
    // A send that failed after the node was handed the transaction (no hash) may still be mined: the
    // refund stays `sending` for a person to check, never sent again automatically.
    services.logger.error('x402 refund failed', { authorizationId, transaction: hash, error: String(error) });
    return { state: 'owed' };
  }
  const now = services.clock();
  const sentHash = hash;
  await services.db.transaction(async (tx) => {
    await tx
      .update(paymentRefunds)
      .set({ state: 'sent', reference: sentHash, sentAt: now })
      .where(eq(paymentRefunds.id, refund.id));
    await receiptForRefund(tx, services.env, deps.publicUrl, refund.id, {
      kind: 'refund',
      rail: 'x402',
      operation: operationId,
      identityId: payment.identityId,
      amountMinor: refund.amountMinor,
      currency: refund.currency,
      reference: sentHash,
      resourceId: payment.campaignId,
      paymentId: payment.id,
      payer,
      network: payment.network,
      at: now,
    });
  });
  await services.db
    .update(x402Authorizations)
    .set({ state: 'refunded', updatedAt: now })
    .where(eq(x402Authorizations.id, authorizationId));
  return { state: 'sent', reference: hash };
}
