import { z } from 'zod';
import { PaginationInput } from '../../domain/pagination.ts';
import { DELIVERY_STATUSES, Delivery, deliveriesPage } from '../../domain/webhooks/delivery-view.ts';
import { findOwnedWebhook, WebhookIdInput } from '../../domain/webhooks/webhook-view.ts';
import { defineOperation } from '../define-operation.ts';

export const webhooksDeliveries = defineOperation({
  id: 'webhooks.deliveries',
  method: 'GET',
  path: '/webhooks/:id/deliveries',
  summary:
    'list recent deliveries of a webhook, newest first: status, attempts, response code, latency, next retry and each attempt',
  scope: 'admin',
  paginated: true,
  errors: ['WEBHOOK_001'],
  input: z.object({
    ...WebhookIdInput,
    status: z.enum(DELIVERY_STATUSES).optional().describe('only deliveries in this state'),
    ...PaginationInput,
  }),
  output: z.array(Delivery),
  handler: async (ctx, input) => {
    const endpoint = await findOwnedWebhook(ctx.db, ctx.principal, input.id);
    const page = await deliveriesPage(ctx.db, endpoint.id, input);
    return { data: page.data, meta: { pagination: page.pagination } };
  },
});
