import { z } from 'zod';
import { campaigns } from '../../../db/schema.ts';
import { allotmentOf } from '../../domain/campaigns/allotment.ts';
import { ownedCampaign } from '../../domain/campaigns/owned-campaigns.ts';
import { discoverForCampaign } from '../../domain/discovery/discover-for-campaign.ts';
import { DiscoverySearchResult, searchResultOf } from '../../domain/discovery/discovery-job-view.ts';
import { MAX_SEARCH_RESULTS, SEARCH_BUDGET_MS } from '../../domain/discovery/run-discovery.ts';
import { ApiError } from '../../errors/api-error.ts';
import { searchedSources } from '../../integrations/discovery/discovery.ts';
import { defineOperation } from '../define-operation.ts';

export const discoverySearchCampaign = defineOperation({
  id: 'discovery.search_campaign',
  method: 'POST',
  path: '/discovery/search-campaign',
  summary: `find contacts for a campaign with its own criteria and each of its target profiles and add them to it; runs synchronously (up to ${SEARCH_BUDGET_MS / 1000} s) and records a discovery job`,
  scope: 'generate',
  rateLimit: 'discovery',
  audit: 'discover_campaign_contacts',
  errors: ['DISCOVERY_001', 'DISCOVERY_006', 'DISCOVERY_008', 'CAMP_001', 'CONTACT_009'],
  input: z.object({
    campaign_id: z.string().describe('the campaign to search for and add to'),
    limit: z
      .number()
      .int()
      .min(1)
      .max(MAX_SEARCH_RESULTS)
      .optional()
      .describe(
        `results at most, 1-${MAX_SEARCH_RESULTS} (default: the campaign's contact allotment, at most ${MAX_SEARCH_RESULTS})`,
      ),
  }),
  output: DiscoverySearchResult,
  handler: async (ctx, input) => {
    const [campaign] = await ctx.db
      .select()
      .from(campaigns)
      .where(ownedCampaign(ctx.principal, input.campaign_id))
      .limit(1);
    if (!campaign) throw new ApiError('CAMP_001');
    const limit = input.limit ?? Math.min(allotmentOf(campaign).contacts, MAX_SEARCH_RESULTS);
    const outcome = await discoverForCampaign(ctx.db, ctx.services, campaign, {
      limit,
      now: ctx.now,
      signal: AbortSignal.timeout(SEARCH_BUDGET_MS),
      // The pool, not the operation's transaction: a failed job outlives the error answered.
      failures: ctx.services.db,
    });
    const sources = searchedSources(ctx.services.discovery, []);
    const data = searchResultOf(outcome, campaign.id, sources);
    return {
      data,
      resourceId: outcome.jobId,
      auditMetadata: { campaign_id: campaign.id, result_count: data.total_results, added: data.added },
    };
  },
});
