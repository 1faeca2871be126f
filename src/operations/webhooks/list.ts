import { and, desc } from 'drizzle-orm';
import { z } from 'zod';
import { webhookEndpoints } from '../../../db/schema-webhooks.ts';
import { afterCursor, PaginationInput, pageOf } from '../../domain/pagination.ts';
import { ownedWebhooks, toWebhook, Webhook } from '../../domain/webhooks/webhook-view.ts';
import { defineOperation } from '../define-operation.ts';

export const webhooksList = defineOperation({
  id: 'webhooks.list',
  method: 'GET',
  path: '/webhooks',
  summary: 'list webhook endpoints, newest first (never their secrets)',
  scope: 'admin',
  paginated: true,
  input: z.object({ ...PaginationInput }),
  output: z.array(Webhook),
  handler: async (ctx, input) => {
    const rows = await ctx.db
      .select()
      .from(webhookEndpoints)
      .where(
        and(
          ownedWebhooks(ctx.principal),
          afterCursor(input.cursor, webhookEndpoints.createdAt, webhookEndpoints.id),
        ),
      )
      .orderBy(desc(webhookEndpoints.createdAt), desc(webhookEndpoints.id))
      .limit(input.limit + 1);
    const page = pageOf(rows, input.limit);
    return { data: page.rows.map(toWebhook), meta: { pagination: page.pagination } };
  },
});
