import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { notifications } from '../../../db/schema-events.ts';
import {
  Notification,
  NotificationIdInput,
  notificationNotFound,
  ownedNotification,
  toNotification,
} from '../../domain/notifications/notification-view.ts';
import { defineOperation } from '../define-operation.ts';

export const notificationsUpdate = defineOperation({
  id: 'notifications.update',
  method: 'PATCH',
  path: '/notifications/:id',
  summary: 'update a notification: mark it read or unread',
  scope: 'write',
  audit: 'update_notification',
  errors: ['SERVER_003'],
  input: z.strictObject({
    ...NotificationIdInput,
    read: z.boolean().describe('true marks it read (keeping when it was first read), false unread'),
  }),
  output: Notification,
  handler: async (ctx, input) => {
    const condition = ownedNotification(ctx.principal, input.id);
    const readAt = input.read
      ? sql`coalesce(${notifications.readAt}, ${ctx.now.toISOString()}::timestamptz)`
      : null;
    const [row] = await ctx.db.update(notifications).set({ readAt }).where(condition).returning();
    if (!row) throw notificationNotFound();
    return { data: toNotification(row), auditMetadata: { read: input.read } };
  },
});
