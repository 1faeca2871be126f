/**
 * Refunding a card payment through Stripe's Refunds API, with an idempotency key so a retried refund is
 * made once.
 */
import type Stripe from 'stripe';
import type { CardRefunds } from '../../src/services.ts';

export function stripeCardRefunds(stripe: Stripe): CardRefunds {
  return {
    async refund({ paymentIntentId, amountCents, idempotencyKey }) {
      const refund = await stripe.refunds.create(
        {
          payment_intent: paymentIntentId,
          amount: amountCents,
          metadata: { iris_reason: 'credit pack refund' },
        },
        { idempotencyKey },
      );
      return refund.id;
    },
  };
}
