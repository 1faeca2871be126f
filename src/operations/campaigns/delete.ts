import { z } from 'zod';
import { campaigns } from '../../../db/schema.ts';
import { emitCampaignEvent } from '../../domain/campaigns/campaign-events.ts';
import { Campaign, toCampaign } from '../../domain/campaigns/campaign-view.ts';
import { CampaignIdInput, ownedCampaign } from '../../domain/campaigns/owned-campaigns.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const campaignsDelete = defineOperation({
  id: 'campaigns.delete',
  method: 'DELETE',
  path: '/campaigns/:id',
  summary: 'delete a campaign (soft: it stops, and reads then answer 404 CAMP_001)',
  scope: 'write',
  // A wallet that paid may manage its campaigns by signing in (SIWX) instead of with its agent key; a
  // payment header shown again proves too little to change anything.
  agentProof: 'sign-in',
  rateLimit: 'campaignMutations',
  audit: 'delete_campaign',
  destructive: true,
  errors: ['CAMP_001'],
  input: z.object(CampaignIdInput),
  output: Campaign,
  handler: async (ctx, input) => {
    const [row] = await ctx.db
      .update(campaigns)
      .set({ status: 'deleted', deletedAt: ctx.now, updatedAt: ctx.now })
      .where(ownedCampaign(ctx.principal, input.id))
      .returning();
    if (!row) throw new ApiError('CAMP_001');
    await emitCampaignEvent(ctx.db, 'campaign.deleted', row, ctx.now);
    return { data: toCampaign(row), auditMetadata: { name: row.name } };
  },
});
