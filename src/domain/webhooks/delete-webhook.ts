/**
 * Deletes a webhook (soft: `deleted_at` set, it no longer appears anywhere). Its deliveries still
 * waiting end `failed` when their job runs, without a request being made.
 */
import { eq } from 'drizzle-orm';
import { webhookEndpoints } from '../../../db/schema-webhooks.ts';
import type { WebhookCall } from './webhook-call.ts';
import { findOwnedWebhook, type WebhookRow } from './webhook-view.ts';

export async function deleteWebhook(call: WebhookCall, id: string): Promise<WebhookRow> {
  const row = await findOwnedWebhook(call.db, call.principal, id, { lock: true });
  const [deleted] = await call.db
    .update(webhookEndpoints)
    .set({ deletedAt: call.now, updatedAt: call.now })
    .where(eq(webhookEndpoints.id, row.id))
    .returning();
  return deleted ?? row;
}
