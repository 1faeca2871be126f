import { z } from 'zod';
import { rotateWebhookSecret } from '../../domain/webhooks/rotate-secret.ts';
import { toWebhook, WebhookIdInput, WebhookWithSecret } from '../../domain/webhooks/webhook-view.ts';
import { defineOperation } from '../define-operation.ts';

export const webhooksRotateSecret = defineOperation({
  id: 'webhooks.rotate_secret',
  method: 'POST',
  path: '/webhooks/:id/rotate-secret',
  summary:
    'rotate the signing secret of a webhook: the new secret is returned once and the old one stops at once; update the receiver before the next delivery',
  scope: 'admin',
  idempotency: 'optional',
  audit: 'rotate_webhook_secret',
  errors: ['WEBHOOK_001'],
  input: z.object(WebhookIdInput),
  output: WebhookWithSecret,
  handler: async (ctx, input) => {
    const { row, secret } = await rotateWebhookSecret(ctx, input.id);
    return { data: { ...toWebhook(row), secret } };
  },
});
