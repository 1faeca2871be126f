import { and, desc, eq, getTableColumns } from 'drizzle-orm';
import { z } from 'zod';
import { discoveryJobs } from '../../../db/schema-messages.ts';
import { ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import { DiscoveryJobSummary, toJobSummary } from '../../domain/discovery/discovery-job-view.ts';
import { ownedJobs } from '../../domain/discovery/owned-jobs.ts';
import { afterCursor, PaginationInput, pageOf } from '../../domain/pagination.ts';
import { defineOperation } from '../define-operation.ts';

const { results: _results, ...summaryColumns } = getTableColumns(discoveryJobs);

export const discoveryJobsList = defineOperation({
  id: 'discovery.jobs',
  method: 'GET',
  path: '/discovery/jobs',
  summary:
    'list discovery jobs, newest first, without their results (discovery.get_job has them); optionally one campaign’s',
  scope: 'read',
  paginated: true,
  errors: ['CAMP_001'],
  input: z.object({
    campaign_id: z.string().optional().describe('only this campaign’s jobs'),
    ...PaginationInput,
  }),
  output: z.array(DiscoveryJobSummary),
  handler: async (ctx, input) => {
    const campaignId = input.campaign_id
      ? await ownedCampaignId(ctx.db, ctx.principal, input.campaign_id)
      : undefined;
    const rows = await ctx.db
      .select(summaryColumns)
      .from(discoveryJobs)
      .where(
        and(
          ownedJobs(ctx.principal),
          campaignId ? eq(discoveryJobs.campaignId, campaignId) : undefined,
          afterCursor(input.cursor, discoveryJobs.createdAt, discoveryJobs.id),
        ),
      )
      .orderBy(desc(discoveryJobs.createdAt), desc(discoveryJobs.id))
      .limit(input.limit + 1);
    const page = pageOf(rows, input.limit);
    return { data: page.rows.map(toJobSummary), meta: { pagination: page.pagination } };
  },
});
