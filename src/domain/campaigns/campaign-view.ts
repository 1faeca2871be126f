/**
 * The campaign as the API shows it, and its input fields (the reference's example request).
 */
import { z } from 'zod';
import type { campaigns } from '../../../db/schema.ts';
import { CampaignAnalysis } from '../../integrations/ai/campaign-analysis.ts';
import { DailySendCap, SendWindow } from '../sending/send-window.ts';
import { Timestamp } from '../timestamps.ts';
import { CHANNELS } from './channels.ts';

export { CHANNELS };
export const CAMPAIGN_STATUSES = [
  'draft',
  'active',
  'paused',
  'completed',
  'deleted',
  'pending_payment',
] as const;
/** Statuses a list can filter on: deleted campaigns are never listed. */
export const LISTED_STATUSES = ['draft', 'active', 'paused', 'completed', 'pending_payment'] as const;

/** manual: every draft waits for a person's approval; auto: drafts are approved as they are made. */
export const APPROVAL_MODES = ['manual', 'auto'] as const;

const Tag = z.string().trim().min(1).max(100);

const VenueTypes = z.array(Tag).max(50);
const Keywords = z.array(Tag).max(50);
const MaxResults = z.number().int().min(1).max(500).describe('contacts to discover, 1-500');
const OutreachChannels = z
  .array(z.enum(CHANNELS))
  .min(1)
  .max(CHANNELS.length)
  .refine((list) => new Set(list).size === list.length, 'channels must not repeat');
const FollowupDays = z
  .array(z.number().int().min(1).max(90))
  .max(10)
  .refine((days) => days.every((d, i) => i === 0 || d > (days[i - 1] as number)), 'must be increasing')
  .describe('days after the first message to follow up, increasing, e.g. [3, 7, 14]');
const ApprovalMode = z
  .enum(APPROVAL_MODES)
  .describe('manual: a person approves every draft; auto: drafts are approved as they are made');

export const CampaignFields = {
  name: z.string().trim().min(1).max(200),
  objective_type: z
    .string()
    .regex(/^[a-z][a-z0-9_]{1,63}$/, 'use a snake_case identifier such as product_promotion or venue_dj')
    .describe('what the outreach is for, e.g. product_promotion, venue_dj'),
  location: z.string().trim().min(1).max(200).optional().describe('e.g. "Brooklyn, NY"'),
  radius_miles: z.number().positive().max(500).optional(),
  venue_types: VenueTypes.default([]),
  keywords: Keywords.default([]),
  max_results: MaxResults.default(50),
  outreach_channels: OutreachChannels.default(['email']),
  followup_days: FollowupDays.default([]),
  approval_mode: ApprovalMode.default('manual'),
  send_window: SendWindow.optional(),
  daily_send_cap: DailySendCap.optional(),
};

/** What an update may change (every create field but the status); optional ones may be cleared with null. */
export const CampaignChanges = {
  name: CampaignFields.name.optional(),
  objective_type: CampaignFields.objective_type.optional(),
  location: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .nullable()
    .optional()
    .describe('e.g. "Brooklyn, NY"; null clears it'),
  radius_miles: z.number().positive().max(500).nullable().optional(),
  venue_types: VenueTypes.optional(),
  keywords: Keywords.optional(),
  max_results: MaxResults.optional(),
  outreach_channels: OutreachChannels.optional(),
  followup_days: FollowupDays.optional(),
  approval_mode: ApprovalMode.optional(),
  send_window: SendWindow.nullable().optional(),
  daily_send_cap: DailySendCap.nullable().optional(),
};

export const Campaign = z.object({
  id: z.uuid(),
  name: z.string(),
  objective_type: z.string(),
  location: z.string().nullable(),
  radius_miles: z.number().nullable(),
  venue_types: z.array(z.string()),
  keywords: z.array(z.string()),
  max_results: z.number().int(),
  outreach_channels: z.array(z.enum(CHANNELS)),
  followup_days: z.array(z.number().int()),
  status: z.enum(CAMPAIGN_STATUSES),
  approval_mode: z.enum(APPROVAL_MODES),
  send_window: SendWindow.nullable().describe('when messages may go out; null: at all hours'),
  daily_send_cap: z.number().int().nullable().describe('messages sent per day at most; null: no cap'),
  created_at: Timestamp,
  updated_at: Timestamp,
  completed_at: Timestamp.nullable(),
  deleted_at: Timestamp.nullable(),
  analysis: CampaignAnalysis.nullable().describe(
    'the last analysis (campaigns.analyze); null until analyzed',
  ),
  analyzed_at: Timestamp.nullable(),
});
export type Campaign = z.infer<typeof Campaign>;

type CampaignRow = typeof campaigns.$inferSelect;

export function toCampaign(row: CampaignRow): Campaign {
  return {
    id: row.id,
    name: row.name,
    objective_type: row.objectiveType,
    location: row.location,
    radius_miles: row.radiusMiles,
    venue_types: row.venueTypes,
    keywords: row.keywords,
    max_results: row.maxResults,
    outreach_channels: row.outreachChannels as Campaign['outreach_channels'],
    followup_days: row.followupDays,
    status: row.status as Campaign['status'],
    approval_mode: row.approvalMode as Campaign['approval_mode'],
    send_window: row.sendWindow ?? null,
    daily_send_cap: row.dailySendCap,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    completed_at: row.completedAt?.toISOString() ?? null,
    deleted_at: row.deletedAt?.toISOString() ?? null,
    analysis: storedAnalysis(row.analysis),
    analyzed_at: row.analyzedAt?.toISOString() ?? null,
  };
}

/**
 * The analysis stored on a campaign row. The column holds what the analyzer answered, checked against the
 * schema when it was stored; one that no longer parses (written by an older analyzer) reads as none.
 */
function storedAnalysis(value: unknown): CampaignAnalysis | null {
  if (value === null || value === undefined) return null;
  const parsed = CampaignAnalysis.safeParse(value);
  return parsed.success ? parsed.data : null;
}
