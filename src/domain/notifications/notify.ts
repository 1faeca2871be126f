/**
 * Tells an account holder that something happened, in the transaction of the change that caused it (a
 * rolled-back change leaves no notification). Agents' identities own no notifications: the account
 * that owns the thing is told.
 */
import type { Db } from '../../../db/client.ts';
import { notifications } from '../../../db/schema-events.ts';

export const NOTIFICATION_KINDS = [
  'campaign.completed',
  'campaign.failed',
  'campaign.paused',
  'reply.received',
  'webhook.disabled',
  'payment.refunded',
  'limit.reached',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export type NotificationRow = typeof notifications.$inferSelect;

/** Inserts one unread notification for `userId` with `tx` (the caller's transaction); returns its row. */
export async function notify(
  tx: Db,
  userId: string,
  kind: NotificationKind,
  payload: Record<string, unknown>,
  now: Date = new Date(),
): Promise<NotificationRow> {
  const [row] = await tx.insert(notifications).values({ userId, kind, payload, createdAt: now }).returning();
  if (!row) throw new Error(`notification ${kind} for user ${userId} was not inserted`);
  return row;
}
