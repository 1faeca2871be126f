import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { users } from '../../../db/schema.ts';
import { creditEntries } from '../../../db/schema-credits.ts';
import { paymentRefunds, payments } from '../../../db/schema-payments.ts';
import { userIdOf } from '../../domain/api-keys/owned-key.ts';
import { InsufficientCredits, postEntry } from '../../domain/credits/ledger.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

const Uuid = z.uuid();
const notFound = () => new ApiError('SERVER_003', 'credit purchase not found');

export const creditsRefund = defineOperation({
  id: 'credits.refund',
  method: 'POST',
  path: '/agent/credits/purchases/:id/refund',
  summary:
    "refund an agent's credit pack purchase to its card, reversing its credits (operator only; only while the credits are unspent)",
  scope: 'admin',
  audit: 'refund_credits',
  destructive: true,
  errors: ['SERVER_003', 'SERVER_009'],
  input: z.object({ id: z.string().describe('id of the purchase entry in the credit history') }),
  output: z.object({
    purchase_id: z.uuid(),
    credits_reversed: z.number().int(),
    balance: z.number().int(),
    refund_id: z.string(),
  }),
  handler: async (ctx, input) => {
    const [caller] = await ctx.db
      .select({ kind: users.kind })
      .from(users)
      .where(eq(users.id, userIdOf(ctx.principal)));
    if (caller?.kind !== 'owner' || !Uuid.safeParse(input.id).success) throw notFound();
    const [purchase] = await ctx.db
      .select()
      .from(creditEntries)
      .where(and(eq(creditEntries.id, input.id), eq(creditEntries.kind, 'purchase')));
    if (!purchase?.paymentId) throw notFound();
    const [payment] = await ctx.db.select().from(payments).where(eq(payments.id, purchase.paymentId));
    if (payment?.rail !== 'mpp') throw notFound();
    const refunds = ctx.services.cardRefunds;
    if (!refunds) throw new ApiError('SERVER_009', 'card refunds are not configured (the MPP rail is off)');

    let reversal: Awaited<ReturnType<typeof postEntry>>;
    try {
      reversal = await postEntry(ctx.db, {
        identityId: purchase.identityId,
        kind: 'reversal',
        credits: -purchase.credits,
        reference: `reversal:${purchase.id}`,
        paymentId: payment.id,
        reversesEntryId: purchase.id,
        metadata: { reason: 'purchase refunded' },
        at: ctx.now,
      });
    } catch (error) {
      if (!(error instanceof InsufficientCredits)) throw error;
      throw new ApiError(
        'SERVER_016',
        `only unspent credits can be refunded: this purchase added ${purchase.credits}, fewer are left`,
      );
    }
    // Inside the transaction: a refund Stripe refuses leaves the credits untouched. Retrying is safe,
    // the idempotency key makes Stripe refund once.
    const refundId = await refunds.refund({
      paymentIntentId: payment.reference,
      amountCents: Number(payment.amountMinor),
      idempotencyKey: `iris_refund_${purchase.id}`,
    });
    await ctx.db
      .insert(paymentRefunds)
      .values({
        paymentId: payment.id,
        amountMinor: payment.amountMinor,
        currency: payment.currency,
        reason: 'credit pack refunded by the operator',
        state: 'sent',
        reference: refundId,
        sentAt: ctx.now,
      })
      .onConflictDoNothing();
    return {
      data: {
        purchase_id: purchase.id,
        credits_reversed: purchase.credits,
        balance: reversal.balance,
        refund_id: refundId,
      },
      resourceId: purchase.id,
      auditMetadata: { refund_id: refundId, payment_intent: payment.reference },
    };
  },
});
