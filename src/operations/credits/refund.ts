import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { users } from '../../../db/schema.ts';
import { creditEntries } from '../../../db/schema-credits.ts';
import { payments } from '../../../db/schema-payments.ts';
import { userIdOf } from '../../domain/api-keys/owned-key.ts';
import { InsufficientCredits } from '../../domain/credits/ledger.ts';
import { reservePackRefund, sendPackRefund } from '../../domain/credits/pack-refunds.ts';
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

    // Committed on the pool before Stripe is asked, not in this operation's transaction: a refund whose
    // answer is lost may have been made, so its credits must be gone and the refund owed whatever this
    // request answers (Stripe's idempotency key then makes a retry refund the card once).
    let reserved: Awaited<ReturnType<typeof reservePackRefund>>;
    try {
      reserved = await reservePackRefund(ctx.services.db, purchase, payment, ctx.now);
    } catch (error) {
      if (!(error instanceof InsufficientCredits)) throw error;
      throw new ApiError(
        'SERVER_016',
        `only unspent credits can be refunded: this purchase added ${purchase.credits}, fewer are left`,
      );
    }
    let refundId: string;
    try {
      refundId = await sendPackRefund(ctx.services.db, refunds, reserved.pending, ctx.now);
    } catch (error) {
      ctx.services.logger.warn('card refund not confirmed; it stays owed and is retried', {
        purchaseId: purchase.id,
        error: String(error),
      });
      throw new ApiError(
        'SERVER_009',
        `the card processor did not confirm the refund: its ${purchase.credits} credits are reversed and the refund is owed, retried automatically - call again later for its id`,
      );
    }
    return {
      data: {
        purchase_id: purchase.id,
        credits_reversed: purchase.credits,
        balance: reserved.balance,
        refund_id: refundId,
      },
      resourceId: purchase.id,
      auditMetadata: { refund_id: refundId, payment_intent: payment.reference },
    };
  },
});
