import { z } from 'zod';
import { Delivery } from '../../domain/webhooks/delivery-view.ts';
import { redeliver } from '../../domain/webhooks/redeliver.ts';
import { WebhookIdInput } from '../../domain/webhooks/webhook-view.ts';
import { defineOperation } from '../define-operation.ts';

export const webhooksRedeliver = defineOperation({
  id: 'webhooks.redeliver',
  method: 'POST',
  path: '/webhooks/:id/deliveries/:delivery_id/redeliver',
  summary:
    'deliver a past delivery again (same X-Iris-Delivery id, 4 more attempts); a delivery still pending is answered as it is',
  scope: 'admin',
  audit: 'redeliver_webhook',
  errors: ['WEBHOOK_001', 'SERVER_003', 'HOOK_003'],
  input: z.object({
    ...WebhookIdInput,
    delivery_id: z.string().describe('delivery id (the X-Iris-Delivery header)'),
  }),
  output: Delivery,
  handler: async (ctx, input) => {
    const { delivery, queued } = await redeliver(ctx, input.id, input.delivery_id);
    return { data: delivery, resourceId: delivery.id, auditMetadata: { webhook_id: input.id, queued } };
  },
});
