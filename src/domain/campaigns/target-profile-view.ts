/**
 * A target profile as the API shows it, and its input fields: who a campaign looks for. The reference
 * names target profiles without their fields; here they are discovery criteria of the same kind as the
 * campaign's own (location, radius, venue types, keywords) under a name and description, removed by a
 * hard delete; a missing profile is 404 SERVER_003. At most MAX_TARGET_PROFILES per campaign (422).
 */
import { z } from 'zod';
import type { targetProfiles } from '../../../db/schema.ts';
import { Timestamp } from '../timestamps.ts';
import { CampaignFields } from './campaign-view.ts';

export const MAX_TARGET_PROFILES = 20;

export const TargetProfileFields = {
  name: z.string().trim().min(1).max(200).describe('e.g. "cocktail bars with live music"'),
  description: z.string().trim().min(1).max(2000).optional(),
  location: CampaignFields.location,
  radius_miles: CampaignFields.radius_miles,
  venue_types: CampaignFields.venue_types,
  keywords: CampaignFields.keywords,
};

export const TargetProfile = z.object({
  id: z.uuid(),
  campaign_id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  location: z.string().nullable(),
  radius_miles: z.number().nullable(),
  venue_types: z.array(z.string()),
  keywords: z.array(z.string()),
  created_at: Timestamp,
});
export type TargetProfile = z.infer<typeof TargetProfile>;

export function toTargetProfile(row: typeof targetProfiles.$inferSelect): TargetProfile {
  return {
    id: row.id,
    campaign_id: row.campaignId,
    name: row.name,
    description: row.description,
    location: row.location,
    radius_miles: row.radiusMiles,
    venue_types: row.venueTypes,
    keywords: row.keywords,
    created_at: row.createdAt.toISOString(),
  };
}
