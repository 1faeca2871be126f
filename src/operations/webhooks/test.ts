import { z } from 'zod';
import { Delivery } from '../../domain/webhooks/delivery-view.ts';
import { testWebhook } from '../../domain/webhooks/test-webhook.ts';
import { WebhookIdInput } from '../../domain/webhooks/webhook-view.ts';
import { defineOperation } from '../define-operation.ts';

export const webhooksTest = defineOperation({
  id: 'webhooks.test',
  method: 'POST',
  path: '/webhooks/:id/test',
  summary:
    "send a test event (webhook.test) to a webhook endpoint now; answers the delivery with the receiver's status and latency",
  scope: 'admin',
  audit: 'test_webhook',
  errors: ['WEBHOOK_001'],
  input: z.object(WebhookIdInput),
  output: Delivery,
  handler: async (ctx, input) => {
    const delivery = await testWebhook(ctx, input.id);
    return {
      data: delivery,
      resourceId: input.id,
      auditMetadata: {
        delivery_id: delivery.id,
        status: delivery.status,
        response_status: delivery.response_status,
      },
    };
  },
});
