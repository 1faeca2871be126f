import { z } from 'zod';
import { postEntry } from '../../domain/credits/ledger.ts';
import { type CreditPack, PACKS, packOf } from '../../domain/credits/packs.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';
import { identityOrRefuse } from './balance.ts';

const PACK = PACKS.pack_5 as CreditPack;

function unknownPack(pack: string): ApiError {
  return new ApiError(
    'PAYMENT_006',
    `invalid credit pack id: ${pack}; available: ${Object.keys(PACKS).join(', ')}`,
  );
}

export const creditsPurchase = defineOperation({
  id: 'credits.purchase',
  method: 'POST',
  path: '/agent/credits',
  summary:
    'buy a credit pack (pack_5: 5 campaign credits for $12.00) with an MPP credential; credits never expire',
  scope: 'write',
  payment: {
    price: { mppCents: PACK.priceCents, description: `a pack of ${PACK.credits} campaign credits` },
    check: (input) => {
      const pack = (input as { pack: string }).pack;
      if (!packOf(pack)) throw unknownPack(pack);
    },
  },
  idempotency: 'optional',
  audit: 'purchase_credits',
  successStatus: 201,
  errors: ['PAYMENT_003', 'PAYMENT_006', 'PAYMENT_007', 'BILLING_004'],
  input: z.strictObject({
    pack: z
      .string()
      .max(64)
      .describe(`credit pack id: ${Object.keys(PACKS).join(', ')}`),
  }),
  output: z.object({ balance: z.number().int(), credits_added: z.number().int(), pack: z.string() }),
  handler: async (ctx, input) => {
    const pack = packOf(input.pack);
    if (!pack) throw unknownPack(input.pack);
    if (!ctx.payment?.reference) {
      throw new ApiError(
        'AUTH_002',
        'credit packs are bought by agents paying with an MPP credential (no account key)',
      );
    }
    const posted = await postEntry(ctx.db, {
      identityId: identityOrRefuse(ctx.principal),
      kind: 'purchase',
      credits: pack.credits,
      reference: `stripe:${ctx.payment.reference}`,
      paymentId: ctx.payment.paymentId ?? null,
      metadata: { pack: pack.id },
      at: ctx.now,
    });
    return {
      data: { balance: posted.balance, credits_added: pack.credits, pack: pack.id },
      resourceId: posted.entry.id,
      auditMetadata: { pack: pack.id, payment_intent: ctx.payment.reference },
    };
  },
});
