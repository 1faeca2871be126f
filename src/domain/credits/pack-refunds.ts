/**
 * Refunding a credit pack to its card. The pack's credits are reversed and the refund recorded as owed
 * in one committed transaction before the card processor is asked; the refund is then marked sent with
 * its reference. A refund whose answer is lost (the processor may have made it) thus never leaves the
 * credits spendable, and one still owed is asked for again, by the operator's retry or the MPP
 * reconciler, under the same idempotency key: the card is refunded once.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { creditEntries } from '../../../db/schema-credits.ts';
import { paymentRefunds, payments } from '../../../db/schema-payments.ts';
import type { CardRefunds } from '../../services.ts';
import { oweRefund } from '../payments/owe-refund.ts';
import { postEntry } from './ledger.ts';

type CreditEntry = typeof creditEntries.$inferSelect;
type PaymentRow = typeof payments.$inferSelect;
export type RefundRow = typeof paymentRefunds.$inferSelect;

/** A pack's refund owed (or sent): what asking the processor for it takes. */
export interface PackRefund {
  refund: RefundRow;
  purchaseId: string;
  paymentIntentId: string;
}

/**
 * The pack's credits out and its refund owed, committed together (both idempotent: a retry finds them).
 * Throws InsufficientCredits when some of the credits are spent.
 */
export async function reservePackRefund(
  db: Db,
  purchase: CreditEntry,
  payment: PaymentRow,
  now: Date,
): Promise<{ balance: number; pending: PackRefund }> {
  return db.transaction(async (tx) => {
    const reversal = await postEntry(tx, {
      identityId: purchase.identityId,
      kind: 'reversal',
      credits: -purchase.credits,
      reference: `reversal:${purchase.id}`,
      paymentId: payment.id,
      reversesEntryId: purchase.id,
      metadata: { reason: 'purchase refunded' },
      at: now,
    });
    await oweRefund(tx, payment, 'credit pack refunded by the operator', now);
    const [refund] = await tx.select().from(paymentRefunds).where(eq(paymentRefunds.paymentId, payment.id));
    if (!refund) throw new Error(`refund of payment ${payment.id} not recorded`);
    return {
      balance: reversal.balance,
      pending: { refund, purchaseId: purchase.id, paymentIntentId: payment.reference },
    };
  });
}

/** Asks the processor for the refund (once made, its id) and marks it sent; throws, leaving it owed. */
export async function sendPackRefund(
  db: Db,
  refunds: CardRefunds,
  { refund, purchaseId, paymentIntentId }: PackRefund,
  now: Date,
): Promise<string> {
  if (refund.state === 'sent' && refund.reference) return refund.reference;
  const reference = await refunds.refund({
    paymentIntentId,
    amountCents: Number(refund.amountMinor),
    idempotencyKey: `iris_refund_${purchaseId}`,
  });
  await db
    .update(paymentRefunds)
    .set({ state: 'sent', reference, sentAt: now })
    .where(eq(paymentRefunds.id, refund.id));
  return reference;
}

/** Pack refunds still owed, oldest first. */
export async function owedPackRefunds(db: Db, limit: number): Promise<PackRefund[]> {
  const rows = await db
    .select({ refund: paymentRefunds, purchaseId: creditEntries.id, paymentIntentId: payments.reference })
    .from(paymentRefunds)
    .innerJoin(payments, eq(paymentRefunds.paymentId, payments.id))
    .innerJoin(
      creditEntries,
      and(eq(creditEntries.paymentId, payments.id), eq(creditEntries.kind, 'purchase')),
    )
    .where(and(eq(paymentRefunds.state, 'owed'), eq(payments.rail, 'mpp')))
    .orderBy(asc(paymentRefunds.createdAt))
    .limit(limit);
  return rows;
}
