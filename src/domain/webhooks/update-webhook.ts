/**
 * Changes a webhook's URL, events, description or whether it is on. Turning it back on clears the
 * failure count that disabled it; turning it off records `manual` as the reason. A new URL is checked
 * like at creation.
 */
import { eq } from 'drizzle-orm';
import { webhookEndpoints } from '../../../db/schema-webhooks.ts';
import { assertDeliverableUrl, type WebhookCall } from './webhook-call.ts';
import { findOwnedWebhook, type WebhookRow } from './webhook-view.ts';

export interface UpdateWebhookInput {
  id: string;
  url?: string | undefined;
  events?: string[] | undefined;
  description?: string | null | undefined;
  enabled?: boolean | undefined;
}

export async function updateWebhook(
  call: WebhookCall,
  input: UpdateWebhookInput,
): Promise<{ before: WebhookRow; after: WebhookRow }> {
  const before = await findOwnedWebhook(call.db, call.principal, input.id, { lock: true });
  if (input.url !== undefined && input.url !== before.url)
    await assertDeliverableUrl(call.services, input.url);
  const changes: Partial<typeof webhookEndpoints.$inferInsert> = { updatedAt: call.now };
  if (input.url !== undefined) changes.url = input.url;
  if (input.events !== undefined) changes.events = input.events;
  if (input.description !== undefined) changes.description = input.description;
  if (input.enabled === true && !before.enabled) {
    Object.assign(changes, {
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      consecutiveFailures: 0,
      failingSince: null,
    });
  } else if (input.enabled === false && before.enabled) {
    Object.assign(changes, { enabled: false, disabledReason: 'manual', disabledAt: call.now });
  }
  const [after] = await call.db
    .update(webhookEndpoints)
    .set(changes)
    .where(eq(webhookEndpoints.id, before.id))
    .returning();
  return { before, after: after ?? before };
}
