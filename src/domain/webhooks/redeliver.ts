/**
 * Delivers a past delivery again: a finished one (succeeded or failed) goes back to `pending` with 4
 * more attempts, the first queued at once; its id, and so its X-Iris-Delivery header, stays the same (a
 * receiver that processed it already drops it as a duplicate). One still pending is answered as it is:
 * its attempts are under way. The webhook must be enabled.
 */
import { and, inArray, sql } from 'drizzle-orm';
import { webhookDeliveries } from '../../../db/schema-webhooks.ts';
import { ApiError } from '../../errors/api-error.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import type { DeliveryRow } from './deliver.ts';
import { type Delivery, deliveryNotFound, deliveryOf, withAttempts } from './delivery-view.ts';
import { DELIVER_JOB_KIND, deliverJobKey } from './fan-out.ts';
import { DELIVERY_ATTEMPTS } from './retry-policy.ts';
import type { WebhookCall } from './webhook-call.ts';
import { findOwnedWebhook } from './webhook-view.ts';

export async function redeliver(
  call: WebhookCall,
  webhookId: string,
  deliveryId: string,
): Promise<{ delivery: Delivery; queued: boolean }> {
  const endpoint = await findOwnedWebhook(call.db, call.principal, webhookId);
  const condition = deliveryOf(endpoint.id, deliveryId);
  if (!endpoint.enabled) {
    throw new ApiError(
      'HOOK_003',
      'invalid webhook payload - the webhook is disabled: enable it (update with enabled: true) before redelivering',
    );
  }
  const [reopened] = await call.db
    .update(webhookDeliveries)
    .set({
      status: 'pending',
      maxAttempts: sql`${webhookDeliveries.attempts} + ${DELIVERY_ATTEMPTS}`,
      nextAttemptAt: call.now,
      updatedAt: call.now,
    })
    .where(and(condition, inArray(webhookDeliveries.status, ['succeeded', 'failed'])))
    .returning();
  let row: DeliveryRow | undefined = reopened;
  if (reopened) {
    const attempt = reopened.attempts + 1;
    await enqueue(call.db, {
      kind: DELIVER_JOB_KIND,
      payload: { delivery_id: reopened.id, attempt },
      // Its own key: a job for this attempt number may have run already (one that found the webhook off).
      dedupeKey: `${deliverJobKey(reopened.id, attempt)}:redelivered-${call.now.getTime()}`,
      runAt: call.now,
    });
  } else {
    [row] = await call.db.select().from(webhookDeliveries).where(condition);
  }
  if (!row) throw deliveryNotFound();
  const [delivery] = await withAttempts(call.db, [row]);
  if (!delivery) throw deliveryNotFound();
  return { delivery, queued: reopened !== undefined };
}
