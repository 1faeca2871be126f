import { z } from 'zod';
import { CampaignFields } from '../../domain/campaigns/campaign-view.ts';
import { ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import { DiscoverySearchResult, searchResultOf } from '../../domain/discovery/discovery-job-view.ts';
import { MAX_SEARCH_RESULTS, runDiscovery, SEARCH_BUDGET_MS } from '../../domain/discovery/run-discovery.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { ApiError } from '../../errors/api-error.ts';
import { searchedSources } from '../../integrations/discovery/discovery.ts';
import { DISCOVERY_SOURCES } from '../../integrations/discovery/discovery-port.ts';
import { defineOperation } from '../define-operation.ts';

const DEFAULT_SEARCH_RESULTS = 25;

const Limit = z.number().int().min(1).max(MAX_SEARCH_RESULTS);

export const discoverySearch = defineOperation({
  id: 'discovery.search',
  method: 'POST',
  path: '/discovery/search',
  summary: `find new contacts (venues, businesses, social profiles) by free text, location, venue types and keywords; runs synchronously (up to ${SEARCH_BUDGET_MS / 1000} s), records a discovery job, and with campaign_id adds what it finds to that campaign`,
  scope: 'generate',
  rateLimit: 'discovery',
  audit: 'discover_contacts',
  errors: ['DISCOVERY_001', 'DISCOVERY_006', 'DISCOVERY_008', 'CAMP_001', 'CONTACT_009'],
  input: z.object({
    query: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .describe('free text, e.g. "cocktail bars with live music"'),
    location: CampaignFields.location,
    radius_miles: CampaignFields.radius_miles,
    venue_types: CampaignFields.venue_types,
    keywords: CampaignFields.keywords,
    sources: z
      .array(z.enum(DISCOVERY_SOURCES))
      .max(DISCOVERY_SOURCES.length)
      .optional()
      .describe('sources to search (discovery.sources); default: every configured provider, else sample'),
    limit: Limit.optional().describe(
      `results at most, 1-${MAX_SEARCH_RESULTS} (default ${DEFAULT_SEARCH_RESULTS})`,
    ),
    max_results: Limit.optional().describe('the same as limit'),
    enrich_emails: z
      .boolean()
      .default(false)
      .describe('look up emails of results that have a website but none'),
    campaign_id: z.string().optional().describe('also add what is found to this campaign, as contacts'),
  }),
  output: DiscoverySearchResult,
  handler: async (ctx, input) => {
    if (!input.query && !input.location && input.venue_types.length === 0 && input.keywords.length === 0) {
      throw new ApiError(
        'SERVER_005',
        'invalid input - give at least one of query, location, venue_types or keywords',
      );
    }
    if (input.limit !== undefined && input.max_results !== undefined && input.limit !== input.max_results) {
      throw new ApiError('SERVER_005', 'invalid input - limit and max_results differ: give one of them');
    }
    const discovery = ctx.services.discovery;
    const infos = discovery.sources();
    const unavailable = (input.sources ?? []).filter(
      (source) => !infos.some((info) => info.id === source && info.available),
    );
    if (unavailable.length > 0) {
      const available = infos.filter((info) => info.available).map((info) => info.id);
      throw new ApiError(
        'SERVER_005',
        `invalid input - sources: not configured on this server: ${unavailable.join(', ')} (available: ${available.join(', ')})`,
      );
    }
    const campaignId = input.campaign_id
      ? await ownedCampaignId(ctx.db, ctx.principal, input.campaign_id)
      : null;
    const limit = input.limit ?? input.max_results ?? DEFAULT_SEARCH_RESULTS;
    const sources = searchedSources(discovery, input.sources ?? []);
    const query = {
      query: input.query ?? null,
      location: input.location ?? null,
      radiusMiles: input.radius_miles ?? null,
      venueTypes: input.venue_types,
      keywords: input.keywords,
      sources,
      limit,
      enrichEmails: input.enrich_emails,
    };
    const outcome = await runDiscovery(ctx.db, {
      owner: eventOwnerOf(ctx.principal),
      campaignId,
      query: {
        query: query.query,
        location: query.location,
        radius_miles: query.radiusMiles,
        venue_types: query.venueTypes,
        keywords: query.keywords,
        sources,
        limit,
        enrich_emails: query.enrichEmails,
        target_profile_ids: [],
      },
      search: () => discovery.search(query, { signal: AbortSignal.timeout(SEARCH_BUDGET_MS) }),
      now: ctx.now,
      // The pool, not the operation's transaction: a failed job outlives the error answered.
      failures: ctx.services.db,
    });
    const data = searchResultOf(outcome, campaignId, sources);
    return {
      data,
      resourceId: outcome.jobId,
      auditMetadata: {
        sources,
        result_count: data.total_results,
        ...(campaignId ? { campaign_id: campaignId, added: data.added } : {}),
      },
    };
  },
});
