import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { campaigns } from '../../../db/schema.ts';
import {
  Campaign,
  CampaignFields,
  LISTED_STATUSES,
  toCampaign,
} from '../../domain/campaigns/campaign-view.ts';
import { ownedCampaigns } from '../../domain/campaigns/owned-campaigns.ts';
import { afterCursor, PaginationInput, pageOf } from '../../domain/pagination.ts';
import type { Principal } from '../../domain/principal.ts';
import { defineOperation } from '../define-operation.ts';

/** The query of one page of the campaigns a principal sees (one row more than the page, for the cursor). */
export function campaignsPageQuery(
  db: Db,
  principal: Principal,
  input: {
    status?: (typeof LISTED_STATUSES)[number] | undefined;
    objective_type?: string | undefined;
    cursor?: string | undefined;
    limit: number;
  },
) {
  return db
    .select()
    .from(campaigns)
    .where(
      and(
        ownedCampaigns(principal),
        input.status ? eq(campaigns.status, input.status) : undefined,
        input.objective_type ? eq(campaigns.objectiveType, input.objective_type) : undefined,
        afterCursor(input.cursor, campaigns.createdAt, campaigns.id),
      ),
    )
    .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
    .limit(input.limit + 1);
}

export const campaignsList = defineOperation({
  id: 'campaigns.list',
  method: 'GET',
  path: '/campaigns',
  summary: 'list all campaigns, newest first',
  scope: 'read',
  // A wallet that paid may read its campaigns by proving itself (SIWX) instead of with its agent key.
  agentProof: true,
  paginated: true,
  input: z.object({
    status: z.enum(LISTED_STATUSES).optional(),
    objective_type: CampaignFields.objective_type.optional(),
    ...PaginationInput,
  }),
  output: z.array(Campaign),
  handler: async (ctx, input) => {
    const rows = await campaignsPageQuery(ctx.db, ctx.principal, input);
    const page = pageOf(rows, input.limit);
    return { data: page.rows.map(toCampaign), meta: { pagination: page.pagination } };
  },
});
