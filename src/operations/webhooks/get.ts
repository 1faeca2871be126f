import { z } from 'zod';
import { findOwnedWebhook, toWebhook, Webhook, WebhookIdInput } from '../../domain/webhooks/webhook-view.ts';
import { defineOperation } from '../define-operation.ts';

export const webhooksGet = defineOperation({
  id: 'webhooks.get',
  method: 'GET',
  path: '/webhooks/:id',
  summary: 'get a webhook endpoint (never its secret)',
  scope: 'admin',
  errors: ['WEBHOOK_001'],
  input: z.object(WebhookIdInput),
  output: Webhook,
  handler: async (ctx, input) => ({
    data: toWebhook(await findOwnedWebhook(ctx.db, ctx.principal, input.id)),
  }),
});
