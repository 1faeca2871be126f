import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { targetProfiles } from '../../../db/schema.ts';
import { CampaignIdInput, ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import { TargetProfile, toTargetProfile } from '../../domain/campaigns/target-profile-view.ts';
import { defineOperation } from '../define-operation.ts';

export const campaignsTargetProfiles = defineOperation({
  id: 'campaigns.target_profiles',
  method: 'GET',
  path: '/campaigns/:id/target-profiles',
  summary: "list a campaign's target profiles, oldest first (20 at most)",
  scope: 'read',
  errors: ['CAMP_001'],
  input: z.object(CampaignIdInput),
  output: z.array(TargetProfile),
  handler: async (ctx, input) => {
    const campaignId = await ownedCampaignId(ctx.db, ctx.principal, input.id);
    const rows = await ctx.db
      .select()
      .from(targetProfiles)
      .where(eq(targetProfiles.campaignId, campaignId))
      .orderBy(asc(targetProfiles.createdAt), asc(targetProfiles.id));
    return { data: rows.map(toTargetProfile) };
  },
});
