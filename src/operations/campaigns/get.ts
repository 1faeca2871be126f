import { z } from 'zod';
import { campaigns } from '../../../db/schema.ts';
import { Campaign, toCampaign } from '../../domain/campaigns/campaign-view.ts';
import { CampaignIdInput, ownedCampaign } from '../../domain/campaigns/owned-campaigns.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const campaignsGet = defineOperation({
  id: 'campaigns.get',
  method: 'GET',
  path: '/campaigns/:id',
  summary: 'get a specific campaign with full details',
  scope: 'read',
  // A wallet that paid may read its campaigns by proving itself (SIWX) instead of with its agent key.
  agentProof: true,
  errors: ['CAMP_001'],
  input: z.object(CampaignIdInput),
  output: Campaign,
  handler: async (ctx, input) => {
    const [row] = await ctx.db
      .select()
      .from(campaigns)
      .where(ownedCampaign(ctx.principal, input.id))
      .limit(1);
    if (!row) throw new ApiError('CAMP_001');
    return { data: toCampaign(row) };
  },
});
