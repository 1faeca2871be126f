/**
 * Finding a charge whose answer was lost: every PaymentIntent iris creates carries its mpp_charges row
 * id in its metadata, so Stripe can be asked what happened. Recent PaymentIntents are listed (the
 * window covers any charge still open) and matched on that id.
 */
import type { ChargeRow } from './charge-store.ts';
import type { MppDeps } from './mpp-deps.ts';

export type LookupResult =
  | { found: 'succeeded'; paymentIntentId: string }
  | { found: 'failed'; paymentIntentId: string }
  | { found: 'none' };

const PAGE = 100;

export async function lookupCharge(deps: MppDeps, charge: ChargeRow): Promise<LookupResult> {
  const since = Math.floor(charge.createdAt.getTime() / 1000) - 120;
  let startingAfter: string | undefined;
  for (let page = 0; page < 20; page++) {
    const list = await deps.stripe.paymentIntents.list({
      created: { gte: since },
      limit: PAGE,
      ...(startingAfter ? { starting_after: startingAfter } : {}),
    });
    for (const intent of list.data) {
      if (intent.metadata?.iris_charge_id !== charge.id) continue;
      if (intent.status === 'succeeded') return { found: 'succeeded', paymentIntentId: intent.id };
      if (intent.status === 'canceled' || intent.status === 'requires_payment_method') {
        return { found: 'failed', paymentIntentId: intent.id };
      }
    }
    if (!list.has_more || list.data.length === 0) break;
    startingAfter = list.data[list.data.length - 1]?.id;
  }
  return { found: 'none' };
}
