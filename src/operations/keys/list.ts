import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { apiKeys } from '../../../db/schema.ts';
import { ApiKeyView, toApiKeyView } from '../../domain/api-keys/api-key-view.ts';
import { userIdOf } from '../../domain/api-keys/owned-key.ts';
import { afterCursor, PaginationInput, pageOf } from '../../domain/pagination.ts';
import { defineOperation } from '../define-operation.ts';

export const keysList = defineOperation({
  id: 'keys.list',
  method: 'GET',
  path: '/keys',
  summary: 'list all API keys for your account (active, expired and revoked; never the secrets)',
  scope: 'admin',
  paginated: true,
  input: z.object({ ...PaginationInput }),
  output: z.array(ApiKeyView),
  handler: async (ctx, input) => {
    const rows = await ctx.db
      .select()
      .from(apiKeys)
      .where(
        and(
          eq(apiKeys.userId, userIdOf(ctx.principal)),
          afterCursor(input.cursor, apiKeys.createdAt, apiKeys.id),
        ),
      )
      .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id))
      .limit(input.limit + 1);
    const page = pageOf(rows, input.limit);
    return {
      data: page.rows.map((row) => toApiKeyView(row, ctx.now)),
      meta: { pagination: page.pagination },
    };
  },
});
