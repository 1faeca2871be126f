/**
 * Keeps count of an endpoint's failed deliveries in a row and disables it once it keeps failing
 * (retry-policy.ts says when), telling its account with a `webhook.disabled` notification in the same
 * transaction. A delivery that succeeds clears the count. Test deliveries do not count.
 */
import { and, eq, gt, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { webhookEndpoints } from '../../../db/schema-webhooks.ts';
import { notify } from '../notifications/notify.ts';
import { DISABLE_AFTER_FAILED_DELIVERIES, DISABLE_AFTER_FAILING_MS } from './retry-policy.ts';

type EndpointRow = typeof webhookEndpoints.$inferSelect;

export async function recordSuccess(db: Db, endpointId: string): Promise<void> {
  await db
    .update(webhookEndpoints)
    .set({ consecutiveFailures: 0, failingSince: null })
    .where(and(eq(webhookEndpoints.id, endpointId), gt(webhookEndpoints.consecutiveFailures, 0)));
}

/** Counts a delivery whose attempts are spent; disables the endpoint when it keeps failing. */
export async function recordFinalFailure(db: Db, endpoint: EndpointRow, now: Date): Promise<boolean> {
  const [counted] = await db
    .update(webhookEndpoints)
    .set({
      consecutiveFailures: sql`${webhookEndpoints.consecutiveFailures} + 1`,
      failingSince: sql`coalesce(${webhookEndpoints.failingSince}, ${now.toISOString()}::timestamptz)`,
    })
    .where(eq(webhookEndpoints.id, endpoint.id))
    .returning();
  if (!counted?.enabled || counted.deletedAt) return false;
  const failingFor = now.getTime() - (counted.failingSince ?? now).getTime();
  if (
    counted.consecutiveFailures < DISABLE_AFTER_FAILED_DELIVERIES ||
    failingFor < DISABLE_AFTER_FAILING_MS
  ) {
    return false;
  }
  const [disabled] = await db
    .update(webhookEndpoints)
    .set({ enabled: false, disabledReason: 'failing', disabledAt: now, updatedAt: now })
    .where(and(eq(webhookEndpoints.id, endpoint.id), eq(webhookEndpoints.enabled, true)))
    .returning();
  if (!disabled) return false;
  await notify(
    db,
    disabled.userId,
    'webhook.disabled',
    {
      webhook_id: disabled.id,
      url: disabled.url,
      failed_deliveries: disabled.consecutiveFailures,
      failing_since: disabled.failingSince?.toISOString() ?? null,
    },
    now,
  );
  return true;
}
