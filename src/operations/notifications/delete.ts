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

export const notificationsDelete = defineOperation({
  id: 'notifications.delete',
  method: 'DELETE',
  path: '/notifications/:id',
  summary: 'delete a notification (soft: it no longer appears anywhere)',
  scope: 'write',
  audit: 'delete_notification',
  destructive: true,
  errors: ['SERVER_003'],
  input: z.object(NotificationIdInput),
  output: Notification,
  handler: async (ctx, input) => {
    const [row] = await ctx.db
      .update(notifications)
      .set({ deletedAt: ctx.now })
      .where(ownedNotification(ctx.principal, input.id))
      .returning();
    if (!row) throw notificationNotFound();
    return { data: toNotification(row), auditMetadata: { kind: row.kind } };
  },
});
