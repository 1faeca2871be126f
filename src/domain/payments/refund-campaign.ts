/**
 * Giving back what a paid agent campaign cost when it cannot run at all (discovery found nobody, or no
 * requested channel can be used), through the paths the rails already keep:
 *
 * - paid with credits: a refund entry reversing the campaign's debit (its reference is unique, so a
 *   second call books nothing);
 * - paid with money (x402 USDC, or an MPP card payment): a refund owed on the payment (one per payment),
 *   and for x402 the authorization marked `refund_owed`, which the x402 reconciler sends back from the
 *   refund wallet when one is configured (X402_REFUND_PRIVATE_KEY) — otherwise it stays owed, visible.
 *
 * Runs in the caller's transaction (the job that found the campaign cannot run), so the refund exists
 * exactly when that finding committed.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { creditEntries } from '../../../db/schema-credits.ts';
import { payments, x402Authorizations } from '../../../db/schema-payments.ts';
import { postEntry } from '../credits/ledger.ts';
import { oweRefund } from './owe-refund.ts';

/** Ledger references of the debit paying for a campaign and of its refund. */
export const campaignDebitReference = (campaignId: string) => `campaign:${campaignId}:debit`;
export const campaignRefundReference = (campaignId: string) => `campaign:${campaignId}:refund`;

export type CampaignRefund =
  | { kind: 'credits'; credits: number }
  | { kind: 'payment'; rail: string; amountMinor: bigint; currency: string }
  | { kind: 'none' };

export async function refundCampaign(
  tx: Db,
  campaignId: string,
  reason: string,
  now: Date,
): Promise<CampaignRefund> {
  const [debit] = await tx
    .select()
    .from(creditEntries)
    .where(eq(creditEntries.reference, campaignDebitReference(campaignId)));
  if (debit) {
    const credits = -debit.credits;
    await postEntry(tx, {
      identityId: debit.identityId,
      kind: 'refund',
      credits,
      reference: campaignRefundReference(campaignId),
      campaignId,
      reversesEntryId: debit.id,
      metadata: { reason },
      at: now,
    });
    return { kind: 'credits', credits };
  }
  const [payment] = await tx.select().from(payments).where(eq(payments.campaignId, campaignId)).limit(1);
  if (!payment) return { kind: 'none' };
  await oweRefund(tx, payment, reason, now);
  if (payment.rail === 'x402' && payment.authorizationId !== null) {
    await tx
      .update(x402Authorizations)
      .set({ state: 'refund_owed', failureReason: reason, lockedUntil: now, updatedAt: now })
      .where(
        and(eq(x402Authorizations.id, payment.authorizationId), eq(x402Authorizations.state, 'settled')),
      );
  }
  return {
    kind: 'payment',
    rail: payment.rail,
    amountMinor: payment.amountMinor,
    currency: payment.currency,
  };
}
