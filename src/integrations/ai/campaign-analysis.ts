/**
 * What the AI port is asked about a campaign (its brief) and what it answers (the analysis stored on the
 * campaign and shown by campaigns.get). Every analyzer, offline or hosted, answers this one schema.
 */
import { z } from 'zod';
import { CHANNELS, type Channel } from '../../domain/campaigns/channels.ts';

/** Who a campaign looks for beyond its own criteria (one of its target profiles). */
export interface TargetProfileBrief {
  name: string;
  description: string | null;
  location: string | null;
  radiusMiles: number | null;
  venueTypes: readonly string[];
  keywords: readonly string[];
}

/** A campaign as an analyzer sees it: its own fields and its target profiles, no ids and no times. */
export interface CampaignBrief {
  name: string;
  objectiveType: string;
  location: string | null;
  radiusMiles: number | null;
  venueTypes: readonly string[];
  keywords: readonly string[];
  maxResults: number;
  outreachChannels: readonly Channel[];
  followupDays: readonly number[];
  approvalMode: 'manual' | 'auto';
  targetProfiles: readonly TargetProfileBrief[];
}

export const AudienceSegment = z.object({
  name: z.string(),
  description: z.string(),
  venue_types: z.array(z.string()),
  keywords: z.array(z.string()),
  location: z.string().nullable(),
  /** Where the segment comes from: the campaign's own criteria, one of its target profiles, or its objective. */
  source: z.enum(['campaign', 'target_profile', 'objective']),
});

export const ChannelAdvice = z.object({
  channel: z.enum(CHANNELS),
  /** Whether the campaign uses it today. */
  selected: z.boolean(),
  /** Whether the analyzer advises using it for this campaign's first messages. */
  recommended: z.boolean(),
  reason: z.string(),
});

export const AnalysisRisk = z.object({
  code: z.string().regex(/^[a-z][a-z0-9_]*$/),
  category: z.enum(['targeting', 'channel', 'cadence', 'compliance']),
  severity: z.enum(['info', 'warning']),
  message: z.string(),
});

export const CampaignAnalysis = z
  .object({
    summary: z.string(),
    target_audience: z.array(AudienceSegment),
    value_propositions: z.array(z.string()),
    recommended_channels: z.array(ChannelAdvice),
    suggested_keywords: z.array(z.string()),
    suggested_venue_types: z.array(z.string()),
    risks: z.array(AnalysisRisk),
    model: z.string().describe('the analyzer that answered, e.g. iris-offline-analyzer-1'),
  })
  .describe('AI product/market analysis of a campaign');
export type CampaignAnalysis = z.infer<typeof CampaignAnalysis>;
