import { z } from 'zod';
import { createWebhook } from '../../domain/webhooks/create-webhook.ts';
import {
  toWebhook,
  WebhookDescription,
  WebhookEvents,
  WebhookWithSecret,
} from '../../domain/webhooks/webhook-view.ts';
import { defineOperation } from '../define-operation.ts';

export const WebhookUrl = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .describe(
    'https:// URL receiving the POSTs; its host must resolve to public addresses (no loopback, private, link-local or metadata address)',
  );

export const webhooksCreate = defineOperation({
  id: 'webhooks.create',
  method: 'POST',
  path: '/webhooks',
  summary:
    'create a webhook endpoint for an HTTPS URL and an event filter; the signing secret is returned only once',
  scope: 'admin',
  idempotency: 'optional',
  audit: 'create_webhook',
  successStatus: 201,
  errors: ['HOOK_003'],
  input: z.strictObject({
    url: WebhookUrl,
    events: WebhookEvents,
    description: WebhookDescription.optional(),
  }),
  output: WebhookWithSecret,
  handler: async (ctx, input) => {
    const { row, secret } = await createWebhook(ctx, input);
    return {
      data: { ...toWebhook(row), secret },
      auditMetadata: { url: row.url, events: row.events },
    };
  },
});
