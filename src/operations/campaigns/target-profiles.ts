import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { campaigns, targetProfiles } from '../../../db/schema.ts';
import { CampaignIdInput, ownedCampaign } from '../../domain/campaigns/owned-campaigns.ts';
import { TargetProfile, toTargetProfile } from '../../domain/campaigns/target-profile-view.ts';
import { ApiError } from '../../errors/api-error.ts';
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
    const [campaign] = await ctx.db
      .select({ id: campaigns.id })
      .from(campaigns)
      .where(ownedCampaign(ctx.principal, input.id));
    if (!campaign) throw new ApiError('CAMP_001');
    const rows = await ctx.db
      .select()
      .from(targetProfiles)
      .where(eq(targetProfiles.campaignId, campaign.id))
      .orderBy(asc(targetProfiles.createdAt), asc(targetProfiles.id));
    return { data: rows.map(toTargetProfile) };
  },
});
