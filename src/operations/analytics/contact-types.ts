import { z } from 'zod';
import { ContactTypes, contactTypes } from '../../domain/analytics/contact-types.ts';
import { ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import { defineOperation } from '../define-operation.ts';

export const analyticsContactTypes = defineOperation({
  id: 'analytics.contact_types',
  method: 'GET',
  path: '/analytics/contact-types',
  summary:
    'contact type distribution: contacts by source (api, import, discovery, ...) and by the channels they can be reached on, with multi-channel and unsubscribed counts and each share of the total',
  scope: 'read',
  errors: ['CAMP_001'],
  input: z.object({
    campaign_id: z.string().optional().describe('only the contacts of this campaign'),
  }),
  output: ContactTypes,
  handler: async (ctx, input) => {
    const campaignId = input.campaign_id
      ? await ownedCampaignId(ctx.db, ctx.principal, input.campaign_id)
      : undefined;
    return { data: await contactTypes(ctx.db, ctx.principal, campaignId) };
  },
});
