import { z } from 'zod';
import { updateWebhook } from '../../domain/webhooks/update-webhook.ts';
import {
  toWebhook,
  Webhook,
  WebhookDescription,
  WebhookEvents,
  WebhookIdInput,
} from '../../domain/webhooks/webhook-view.ts';
import { defineOperation } from '../define-operation.ts';
import { WebhookUrl } from './create.ts';

export const webhooksUpdate = defineOperation({
  id: 'webhooks.update',
  method: 'PATCH',
  path: '/webhooks/:id',
  summary:
    'update a webhook endpoint: url, events, description, or enabled (true turns a disabled endpoint back on)',
  scope: 'admin',
  audit: 'update_webhook',
  errors: ['WEBHOOK_001', 'HOOK_003'],
  input: z.strictObject({
    ...WebhookIdInput,
    url: WebhookUrl.optional(),
    events: WebhookEvents.optional(),
    description: WebhookDescription.nullable()
      .optional()
      .describe('what the endpoint is for; null clears it'),
    enabled: z.boolean().optional().describe('false stops deliveries; true resumes them'),
  }),
  output: Webhook,
  handler: async (ctx, input) => {
    const { before, after } = await updateWebhook(ctx, input);
    const changed = (['url', 'events', 'description', 'enabled'] as const).filter(
      (field) => input[field] !== undefined,
    );
    return {
      data: toWebhook(after),
      auditMetadata: {
        changed,
        ...(input.url !== undefined ? { from_url: before.url, to_url: after.url } : {}),
      },
    };
  },
});
