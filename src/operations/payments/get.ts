import { z } from 'zod';
import { findPayment, Payment, paymentReaderOf } from '../../domain/payments/payment-view.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const paymentsGet = defineOperation({
  id: 'payments.get',
  method: 'GET',
  path: '/payments/:id',
  summary:
    'what happened to a payment (the id from meta.payment.payment_id or a 202 Location): rail, amount, status verifying|settling|settled|failed|refunded, transaction hash or Stripe reference, campaign, refund, receipt; an agent key (or the same MPP credential) reads its own, the operator every one',
  scope: 'read',
  agentProof: true,
  errors: ['SERVER_003'],
  input: z.object({ id: z.string().describe('payment id') }),
  output: Payment,
  handler: async (ctx, input) => {
    const reader = await paymentReaderOf(ctx.db, ctx.principal);
    const payment = await findPayment(ctx.db, reader, input.id);
    if (!payment) throw new ApiError('SERVER_003', 'payment not found');
    return { data: payment };
  },
});
