import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { campaigns } from '../../../db/schema.ts';
import { Campaign, toCampaign } from '../../domain/campaigns/campaign-view.ts';
import { ownedCampaigns } from '../../domain/campaigns/owned-campaigns.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

const Uuid = z.uuid();

export const campaignsGet = defineOperation({
  id: 'campaigns.get',
  method: 'GET',
  path: '/campaigns/:id',
  summary: 'get a specific campaign with full details',
  scope: 'read',
  errors: ['CAMP_001'],
  input: z.object({ id: z.string().describe('campaign id') }),
  output: Campaign,
  handler: async (ctx, input) => {
    if (!Uuid.safeParse(input.id).success) throw new ApiError('CAMP_001');
    const [row] = await ctx.db
      .select()
      .from(campaigns)
      .where(and(eq(campaigns.id, input.id), ownedCampaigns(ctx.principal)))
      .limit(1);
    if (!row) throw new ApiError('CAMP_001');
    return { data: toCampaign(row) };
  },
});
