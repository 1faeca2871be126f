/**
 * Replaces a webhook's signing secret. The old one stops at once: every attempt signs with the secret
 * stored when it is made, so deliveries after the rotation (retries of older ones included) carry the
 * new signature only.
 */
import { eq } from 'drizzle-orm';
import { webhookEndpoints } from '../../../db/schema-webhooks.ts';
import { newSigningSecret } from './signing.ts';
import type { WebhookCall } from './webhook-call.ts';
import { findOwnedWebhook, type WebhookRow } from './webhook-view.ts';

export async function rotateWebhookSecret(
  call: WebhookCall,
  id: string,
): Promise<{ row: WebhookRow; secret: string }> {
  const before = await findOwnedWebhook(call.db, call.principal, id, { lock: true });
  const secret = newSigningSecret();
  const [row] = await call.db
    .update(webhookEndpoints)
    .set({ secretSealed: call.services.sealer.seal(secret), secretRotatedAt: call.now, updatedAt: call.now })
    .where(eq(webhookEndpoints.id, before.id))
    .returning();
  return { row: row ?? before, secret };
}
