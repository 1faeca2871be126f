/**
 * A refund owed on a payment: one per payment (a second call records nothing), sent later by whatever
 * path the payment's rail keeps (the x402 refund wallet, the card processor).
 */
import type { Db } from '../../../db/client.ts';
import { paymentRefunds } from '../../../db/schema-payments.ts';

export async function oweRefund(
  tx: Db,
  payment: { id: string; amountMinor: bigint; currency: string },
  reason: string,
  now: Date,
): Promise<void> {
  await tx
    .insert(paymentRefunds)
    .values({
      paymentId: payment.id,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      reason,
      state: 'owed',
      createdAt: now,
    })
    .onConflictDoNothing();
}
