/**
 * Discovery for a campaign: searches with the campaign's own criteria (location, radius, venue types,
 * keywords) and with each of its target profiles, merges what they find (duplicates folded, in turns so
 * every search is represented), adds the results to the campaign as contacts (source `discovery`) and
 * records one discovery job. discovery.search_campaign calls it, and so does the campaign engine's job.
 *
 * Each search asks for an equal share of the limit (rounded up), so the provider is not paid for far
 * more than is kept; email enrichment is asked when the campaign reaches people by email. A campaign with
 * no criteria and no target profile is searched by its name. Quota, failures and the transaction: see
 * run-discovery.ts (`failures`: where a failed job is written; the caller's transaction by default).
 */
import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { type campaigns, targetProfiles } from '../../../db/schema.ts';
import { mergeResults, searchedSources } from '../../integrations/discovery/discovery.ts';
import type { DiscoveryQuery, FoundContact } from '../../integrations/discovery/discovery-port.ts';
import { DiscoveryFailure } from '../../integrations/discovery/discovery-port.ts';
import type { Services } from '../../services.ts';
import type { UpsertedContact } from '../contacts/upsert-contacts.ts';
import type { FoundView } from './discovery-job-view.ts';
import { runDiscovery } from './run-discovery.ts';

type CampaignRow = typeof campaigns.$inferSelect;
type ProfileRow = typeof targetProfiles.$inferSelect;

export interface CampaignDiscovery {
  jobId: string;
  /** The contacts created or merged into the campaign. */
  added: UpsertedContact[];
  /** Every record found, with the contact each became. */
  results: FoundView[];
}

export interface CampaignDiscoveryOptions {
  /** Records to keep at most (the campaign's remaining allotment, say). */
  limit: number;
  now: Date;
  /** Ends the search early (a time budget, a job given up). */
  signal?: AbortSignal;
  /** Where a failed job is written (default: `tx`). */
  failures?: Db;
}

/** The searches of a campaign: its own criteria (if it has some) and one per target profile. */
export function campaignQueries(
  campaign: CampaignRow,
  profiles: readonly ProfileRow[],
  limit: number,
): DiscoveryQuery[] {
  const enrichEmails = campaign.outreachChannels.includes('email');
  const own = campaign.location !== null || campaign.venueTypes.length > 0 || campaign.keywords.length > 0;
  const base = { sources: [], enrichEmails };
  const queries: Omit<DiscoveryQuery, 'limit'>[] = [];
  if (own || profiles.length === 0) {
    queries.push({
      ...base,
      // Nothing to go on but the campaign itself: its name is the search.
      query: own ? null : campaign.name,
      location: campaign.location,
      radiusMiles: campaign.radiusMiles,
      venueTypes: campaign.venueTypes,
      keywords: campaign.keywords,
    });
  }
  for (const profile of profiles) {
    queries.push({
      ...base,
      query: profile.venueTypes.length + profile.keywords.length > 0 ? null : profile.name,
      location: profile.location ?? campaign.location,
      radiusMiles: profile.radiusMiles ?? campaign.radiusMiles,
      venueTypes: profile.venueTypes,
      keywords: profile.keywords,
    });
  }
  const share = Math.max(1, Math.ceil(limit / queries.length));
  return queries.map((query) => ({ ...query, limit: share }));
}

export async function discoverForCampaign(
  tx: Db,
  services: Pick<Services, 'discovery'>,
  campaign: CampaignRow,
  options: CampaignDiscoveryOptions,
): Promise<CampaignDiscovery> {
  const profiles = await tx
    .select()
    .from(targetProfiles)
    .where(eq(targetProfiles.campaignId, campaign.id))
    .orderBy(asc(targetProfiles.createdAt), asc(targetProfiles.id));
  const queries = campaignQueries(campaign, profiles, options.limit);
  const search = async (): Promise<FoundContact[]> => {
    const settled = await Promise.allSettled(
      queries.map((query) =>
        services.discovery.search(query, options.signal ? { signal: options.signal } : {}),
      ),
    );
    const answered = settled.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
    const failed = settled.find((outcome) => outcome.status === 'rejected');
    // Some searches answering is a result; none answering is the first failure (a rate limit first).
    if (answered.length === 0 && failed) {
      const limited = settled.find(
        (outcome) =>
          outcome.status === 'rejected' &&
          outcome.reason instanceof DiscoveryFailure &&
          outcome.reason.reason === 'rate_limited',
      );
      throw ((limited ?? failed) as PromiseRejectedResult).reason;
    }
    return mergeResults(answered, options.limit);
  };
  const outcome = await runDiscovery(tx, {
    owner: { userId: campaign.userId, agentIdentityId: campaign.agentIdentityId },
    campaignId: campaign.id,
    query: {
      query: null,
      location: campaign.location,
      radius_miles: campaign.radiusMiles,
      venue_types: campaign.venueTypes,
      keywords: campaign.keywords,
      sources: searchedSources(services.discovery, []),
      limit: options.limit,
      enrich_emails: queries.some((query) => query.enrichEmails),
      target_profile_ids: profiles.map((profile) => profile.id),
    },
    search,
    now: options.now,
    failures: options.failures ?? tx,
  });
  return { jobId: outcome.jobId, added: outcome.added, results: outcome.results };
}
