import { count, eq } from 'drizzle-orm';
import { z } from 'zod';
import { targetProfiles } from '../../../db/schema.ts';
import { CampaignIdInput, ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import {
  MAX_TARGET_PROFILES,
  TargetProfile,
  TargetProfileFields,
  toTargetProfile,
} from '../../domain/campaigns/target-profile-view.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const campaignsCreateTargetProfile = defineOperation({
  id: 'campaigns.create_target_profile',
  method: 'POST',
  path: '/campaigns/:id/target-profiles',
  summary: 'add a target profile to a campaign: who discovery looks for, beside the campaign’s own criteria',
  scope: 'write',
  idempotency: 'optional',
  rateLimit: 'campaignMutations',
  audit: 'create_target_profile',
  successStatus: 201,
  errors: ['CAMP_001'],
  input: z.strictObject({ ...CampaignIdInput, ...TargetProfileFields }),
  output: TargetProfile,
  handler: async (ctx, input) => {
    // Locked: profiles of one campaign are counted and added one request at a time.
    const campaignId = await ownedCampaignId(ctx.db, ctx.principal, input.id, { lock: true });
    const [held] = await ctx.db
      .select({ n: count() })
      .from(targetProfiles)
      .where(eq(targetProfiles.campaignId, campaignId));
    if ((held?.n ?? 0) >= MAX_TARGET_PROFILES) {
      throw new ApiError(
        'SERVER_005',
        `a campaign holds at most ${MAX_TARGET_PROFILES} target profiles; delete one before adding another`,
      );
    }
    const [row] = await ctx.db
      .insert(targetProfiles)
      .values({
        campaignId,
        name: input.name,
        description: input.description ?? null,
        location: input.location ?? null,
        radiusMiles: input.radius_miles ?? null,
        venueTypes: input.venue_types,
        keywords: input.keywords,
        createdAt: ctx.now,
      })
      .returning();
    if (!row) throw new ApiError('CAMP_003');
    return { data: toTargetProfile(row), auditMetadata: { campaign_id: campaignId, name: row.name } };
  },
});
