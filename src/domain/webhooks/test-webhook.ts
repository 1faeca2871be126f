/**
 * Sends a synthetic `webhook.test` event to a webhook now and answers how it went: one attempt, made
 * during the call (so the answer carries the receiver's status and latency), signed and checked like
 * every delivery, logged among the webhook's deliveries, never retried and never counted against the
 * endpoint's health. It works on a disabled webhook too (to check a receiver before turning it on).
 */
import { eq } from 'drizzle-orm';
import { webhookDeliveries } from '../../../db/schema-webhooks.ts';
import { runDeliveryAttempt } from './deliver.ts';
import { type Delivery, withAttempts } from './delivery-view.ts';
import type { WebhookCall } from './webhook-call.ts';
import { findOwnedWebhook } from './webhook-view.ts';

export const TEST_EVENT = 'webhook.test';

export async function testWebhook(call: WebhookCall, id: string): Promise<Delivery> {
  const endpoint = await findOwnedWebhook(call.db, call.principal, id);
  const [created] = await call.db
    .insert(webhookDeliveries)
    .values({
      endpointId: endpoint.id,
      eventType: TEST_EVENT,
      testData: {
        webhook_id: endpoint.id,
        message: 'a test event from iris: your endpoint receives and verifies deliveries',
      },
      maxAttempts: 1,
      createdAt: call.now,
      updatedAt: call.now,
    })
    .returning();
  if (!created) throw new Error('test delivery was not inserted');
  await runDeliveryAttempt({ db: call.db, services: call.services, now: call.now }, created.id, 1);
  const [row] = await call.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, created.id));
  const [delivery] = await withAttempts(call.db, [row ?? created]);
  if (!delivery) throw new Error('test delivery vanished');
  return delivery;
}
