import { z } from 'zod';
import { deleteWebhook } from '../../domain/webhooks/delete-webhook.ts';
import { toWebhook, Webhook, WebhookIdInput } from '../../domain/webhooks/webhook-view.ts';
import { defineOperation } from '../define-operation.ts';

export const webhooksDelete = defineOperation({
  id: 'webhooks.delete',
  method: 'DELETE',
  path: '/webhooks/:id',
  summary: 'delete a webhook endpoint; nothing more is delivered to it',
  scope: 'admin',
  audit: 'delete_webhook',
  destructive: true,
  errors: ['WEBHOOK_001'],
  input: z.object(WebhookIdInput),
  output: Webhook,
  handler: async (ctx, input) => {
    const row = await deleteWebhook(ctx, input.id);
    return { data: toWebhook(row), auditMetadata: { url: row.url } };
  },
});
