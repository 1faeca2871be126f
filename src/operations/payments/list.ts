import { z } from 'zod';
import { PaginationInput } from '../../domain/pagination.ts';
import { listPayments, Payment, paymentReaderOf } from '../../domain/payments/payment-view.ts';
import { defineOperation } from '../define-operation.ts';

export const paymentsList = defineOperation({
  id: 'payments.list',
  method: 'GET',
  path: '/payments',
  summary:
    "list recorded payments, newest first: an agent key (or its MPP credential) its own, the operator's admin key every agent's",
  scope: 'read',
  agentProof: true,
  paginated: true,
  input: z.object({ ...PaginationInput }),
  output: z.array(Payment),
  handler: async (ctx, input) => {
    const reader = await paymentReaderOf(ctx.db, ctx.principal);
    const { data, pagination } = await listPayments(ctx.db, reader, input);
    return { data, meta: { pagination } };
  },
});
