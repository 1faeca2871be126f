import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { campaigns } from '../../../db/schema.ts';
import { Campaign, LISTED_STATUSES, toCampaign } from '../../domain/campaigns/campaign-view.ts';
import { ownedCampaigns } from '../../domain/campaigns/owned-campaigns.ts';
import { afterCursor, PaginationInput, pageOf } from '../../domain/pagination.ts';
import { defineOperation } from '../define-operation.ts';

export const campaignsList = defineOperation({
  id: 'campaigns.list',
  method: 'GET',
  path: '/campaigns',
  summary: 'list all campaigns, newest first',
  scope: 'read',
  paginated: true,
  input: z.object({
    status: z.enum(LISTED_STATUSES).optional(),
    ...PaginationInput,
  }),
  output: z.array(Campaign),
  handler: async (ctx, input) => {
    const rows = await ctx.db
      .select()
      .from(campaigns)
      .where(
        and(
          ownedCampaigns(ctx.principal),
          input.status ? eq(campaigns.status, input.status) : undefined,
          afterCursor(input.cursor, campaigns.createdAt, campaigns.id),
        ),
      )
      .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
      .limit(input.limit + 1);
    const page = pageOf(rows, input.limit);
    return { data: page.rows.map(toCampaign), meta: { pagination: page.pagination } };
  },
});
