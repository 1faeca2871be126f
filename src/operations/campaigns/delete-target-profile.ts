import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { targetProfiles } from '../../../db/schema.ts';
import { CampaignIdInput, ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
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
    const campaignId = await ownedCampaignId(ctx.db, ctx.principal, input.id);
    const notFound = new ApiError('SERVER_003', 'target profile not found');
    if (!Uuid.safeParse(input.profile_id).success) throw notFound;
    const [row] = await ctx.db
      .delete(targetProfiles)
      .where(and(eq(targetProfiles.id, input.profile_id), eq(targetProfiles.campaignId, campaignId)))
      .returning();
    if (!row) throw notFound;
    return { data: toTargetProfile(row), auditMetadata: { campaign_id: campaignId, name: row.name } };
  },
});
