import { and, desc, isNotNull, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { notifications } from '../../../db/schema-events.ts';
import {
  Notification,
  ownedNotifications,
  toNotification,
} from '../../domain/notifications/notification-view.ts';
import { afterCursor, PaginationInput, pageOf } from '../../domain/pagination.ts';
import { defineOperation } from '../define-operation.ts';

/** A boolean that may arrive as a query string: `true` / `false` as text are taken for what they say. */
const QueryBoolean = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean(),
);

export const notificationsList = defineOperation({
  id: 'notifications.list',
  method: 'GET',
  path: '/notifications',
  summary: 'list notifications, newest first',
  scope: 'read',
  paginated: true,
  input: z.object({
    unread: QueryBoolean.optional().describe('true: only unread notifications; false: only read ones'),
    ...PaginationInput,
  }),
  output: z.array(Notification),
  handler: async (ctx, input) => {
    const rows = await ctx.db
      .select()
      .from(notifications)
      .where(
        and(
          ownedNotifications(ctx.principal),
          input.unread === undefined
            ? undefined
            : input.unread
              ? isNull(notifications.readAt)
              : isNotNull(notifications.readAt),
          afterCursor(input.cursor, notifications.createdAt, notifications.id),
        ),
      )
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(input.limit + 1);
    const page = pageOf(rows, input.limit);
    return { data: page.rows.map(toNotification), meta: { pagination: page.pagination } };
  },
});
