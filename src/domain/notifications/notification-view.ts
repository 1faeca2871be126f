/**
 * A notification as the API shows it, and which ones a principal may see: its own account's that are
 * not deleted. An agent's key or payment proof owns none. Anything else, and an id that cannot name a
 * notification, is 404 SERVER_003 (the reference has no notification-specific code).
 */
import { and, eq, isNull, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { notifications } from '../../../db/schema-events.ts';
import { ApiError } from '../../errors/api-error.ts';
import { userIdOf } from '../api-keys/owned-key.ts';
import { agentIdentityOf, type Principal } from '../principal.ts';
import { isoOrNull, Timestamp } from '../timestamps.ts';
import { NOTIFICATION_KINDS, type NotificationRow } from './notify.ts';

const Uuid = z.uuid();

/** The path parameter naming one notification. */
export const NotificationIdInput = { id: z.string().describe('notification id') };

export const Notification = z.object({
  id: z.uuid(),
  kind: z.enum(NOTIFICATION_KINDS).describe('what happened'),
  payload: z.record(z.string(), z.unknown()).describe('details of what happened, by kind'),
  read: z.boolean(),
  read_at: Timestamp.nullable(),
  created_at: Timestamp,
});
export type Notification = z.infer<typeof Notification>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function toNotification(row: NotificationRow): Notification {
  return {
    id: row.id,
    kind: row.kind as Notification['kind'],
    payload: isRecord(row.payload) ? row.payload : {},
    read: row.readAt !== null,
    read_at: isoOrNull(row.readAt),
    created_at: row.createdAt.toISOString(),
  };
}

export function notificationNotFound(): ApiError {
  return new ApiError('SERVER_003', 'notification not found');
}

/** The notifications a principal sees: its account's, not deleted; none for an agent. */
export function ownedNotifications(principal: Principal): SQL {
  if (agentIdentityOf(principal) !== null) return sql`false`;
  return and(eq(notifications.userId, userIdOf(principal)), isNull(notifications.deletedAt)) as SQL;
}

/** Notification `id` if the principal may see it; an id that cannot name one is 404 at once. */
export function ownedNotification(principal: Principal, id: string): SQL {
  if (!Uuid.safeParse(id).success) throw notificationNotFound();
  return and(eq(notifications.id, id), ownedNotifications(principal)) as SQL;
}
