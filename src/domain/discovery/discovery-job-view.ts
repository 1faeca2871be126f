/**
 * A discovery job as the API shows it: the search as asked (with the sources it searched), its status,
 * and the records it found — each with the contact it became when the search added them to a campaign.
 * A search runs synchronously, so a job is `completed` or `failed` once anyone can read it; `running` is
 * there for searches that run in the background.
 */
import { z } from 'zod';
import type { discoveryJobs } from '../../../db/schema-messages.ts';
import { DISCOVERY_SOURCES, type FoundContact } from '../../integrations/discovery/discovery-port.ts';
import { Timestamp } from '../timestamps.ts';

export const JOB_STATUSES = ['running', 'completed', 'failed'] as const;

export const DiscoveryQueryView = z.object({
  query: z.string().nullable().describe('free text'),
  location: z.string().nullable(),
  radius_miles: z.number().nullable(),
  venue_types: z.array(z.string()),
  keywords: z.array(z.string()),
  sources: z.array(z.enum(DISCOVERY_SOURCES)).describe('the sources searched'),
  limit: z.number().int(),
  enrich_emails: z.boolean(),
  target_profile_ids: z
    .array(z.uuid())
    .describe("a campaign's search: the target profiles searched beside its own criteria"),
});
export type DiscoveryQueryView = z.infer<typeof DiscoveryQueryView>;

export const FoundView = z.object({
  source: z.enum(DISCOVERY_SOURCES),
  external_id: z.string().nullable().describe("the provider's id of the record"),
  email: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  company: z.string().nullable(),
  title: z.string().nullable(),
  phone: z.string().nullable(),
  website: z.string().nullable(),
  instagram_handle: z.string().nullable(),
  x_handle: z.string().nullable(),
  location: z.string().nullable(),
  attributes: z.record(z.string(), z.string()).describe('extra values for {{variables}}, e.g. venue_type'),
  contact_id: z
    .uuid()
    .nullable()
    .describe('the contact it was added as (searches with a campaign); null when not added'),
});
export type FoundView = z.infer<typeof FoundView>;

export const DiscoveryJobSummary = z.object({
  id: z.uuid(),
  status: z.enum(JOB_STATUSES),
  campaign_id: z.uuid().nullable(),
  query: DiscoveryQueryView,
  result_count: z.number().int(),
  progress: z.number().min(0).max(1).describe('1 once the job has completed or failed'),
  error: z.object({ code: z.string(), message: z.string() }).nullable().describe('why a failed job failed'),
  created_at: Timestamp,
  completed_at: Timestamp.nullable(),
});
export type DiscoveryJobSummary = z.infer<typeof DiscoveryJobSummary>;

export const DiscoveryJob = DiscoveryJobSummary.extend({
  results: z.array(FoundView).describe('the records found, at most the search’s limit'),
});
export type DiscoveryJob = z.infer<typeof DiscoveryJob>;

export function toFoundView(found: FoundContact, contactId: string | null): FoundView {
  return {
    source: found.source,
    external_id: found.externalId,
    email: found.email,
    first_name: found.firstName,
    last_name: found.lastName,
    company: found.company,
    title: found.title,
    phone: found.phone,
    website: found.website,
    instagram_handle: found.instagramHandle,
    x_handle: found.xHandle,
    location: found.location,
    attributes: { ...found.attributes },
    contact_id: contactId,
  };
}

type JobRow = typeof discoveryJobs.$inferSelect;

export function toJobSummary(row: Omit<JobRow, 'results'>): DiscoveryJobSummary {
  const status = row.status as DiscoveryJobSummary['status'];
  return {
    id: row.id,
    status,
    campaign_id: row.campaignId,
    query: row.query as DiscoveryQueryView,
    result_count: row.resultCount,
    progress: status === 'running' ? 0 : 1,
    error:
      row.errorCode === null ? null : { code: row.errorCode, message: row.errorMessage ?? row.errorCode },
    created_at: row.createdAt.toISOString(),
    completed_at: row.completedAt?.toISOString() ?? null,
  };
}

export function toDiscoveryJob(row: JobRow): DiscoveryJob {
  return { ...toJobSummary(row), results: row.results as FoundView[] };
}

/** What a synchronous search answers (discovery.search, discovery.search_campaign). */
export const DiscoverySearchResult = z.object({
  job_id: z.uuid().describe('the discovery job recording the search (discovery.get_job)'),
  campaign_id: z.uuid().nullable(),
  contacts: z.array(FoundView).describe('what the search found, at most its limit'),
  total_results: z.number().int(),
  sources: z.array(z.enum(DISCOVERY_SOURCES)).describe('the sources searched'),
  added: z
    .object({ created: z.number().int(), merged: z.number().int() })
    .describe('contacts created, and existing ones merged into, by adding the results to the campaign'),
});
export type DiscoverySearchResult = z.infer<typeof DiscoverySearchResult>;

/** The answer of a search from its outcome. */
export function searchResultOf(
  outcome: { jobId: string; results: FoundView[]; added: readonly { result: 'created' | 'merged' }[] },
  campaignId: string | null,
  sources: DiscoveryQueryView['sources'],
): DiscoverySearchResult {
  const created = outcome.added.filter((row) => row.result === 'created').length;
  return {
    job_id: outcome.jobId,
    campaign_id: campaignId,
    contacts: outcome.results,
    total_results: outcome.results.length,
    sources,
    added: { created, merged: outcome.added.length - created },
  };
}
