import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { campaigns, targetProfiles } from '../../../db/schema.ts';
import { CampaignIdInput, ownedCampaign } from '../../domain/campaigns/owned-campaigns.ts';
import { TargetProfile, toTargetProfile } from '../../domain/campaigns/target-profile-view.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

const Uuid = z.uuid();

export const campaignsDeleteTargetProfile = defineOperation({
  id: 'campaigns.delete_target_profile',
  method: 'DELETE',
  path: '/campaigns/:id/target-profiles/:profile_id',
  summary: 'remove a target profile from a campaign',
  scope: 'write',
  rateLimit: 'campaignMutations',
  audit: 'delete_target_profile',
  destructive: true,
  errors: ['CAMP_001', 'SERVER_003'],
  input: z.object({ ...CampaignIdInput, profile_id: z.string().describe('target profile id') }),
  output: TargetProfile,
  handler: async (ctx, input) => {
    const [campaign] = await ctx.db
      .select({ id: campaigns.id })
      .from(campaigns)
      .where(ownedCampaign(ctx.principal, input.id));
    if (!campaign) throw new ApiError('CAMP_001');
    const notFound = new ApiError('SERVER_003', 'target profile not found');
    if (!Uuid.safeParse(input.profile_id).success) throw notFound;
    const [row] = await ctx.db
      .delete(targetProfiles)
      .where(and(eq(targetProfiles.id, input.profile_id), eq(targetProfiles.campaignId, campaign.id)))
      .returning();
    if (!row) throw notFound;
    return { data: toTargetProfile(row), auditMetadata: { campaign_id: campaign.id, name: row.name } };
  },
});
