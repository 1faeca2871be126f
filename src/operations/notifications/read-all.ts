import { and, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { notifications } from '../../../db/schema-events.ts';
import { ownedNotifications } from '../../domain/notifications/notification-view.ts';
import { defineOperation } from '../define-operation.ts';

export const notificationsReadAll = defineOperation({
  id: 'notifications.read_all',
  method: 'POST',
  path: '/notifications/read-all',
  summary: 'mark all notifications as read; answers how many were unread',
  scope: 'write',
  audit: 'read_all_notifications',
  input: z.object({}),
  output: z.object({ updated: z.number().int().describe('notifications marked read by this call') }),
  handler: async (ctx) => {
    const rows = await ctx.db
      .update(notifications)
      .set({ readAt: ctx.now })
      .where(and(ownedNotifications(ctx.principal), isNull(notifications.readAt)))
      .returning({ id: notifications.id });
    return { data: { updated: rows.length }, auditMetadata: { count: rows.length } };
  },
});
