import { z } from 'zod';
import { Engagement, EngagementByChannel, engagementByChannel } from '../../domain/analytics/engagement.ts';
import { ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import { defineOperation } from '../define-operation.ts';

export const conversationsEngagement = defineOperation({
  id: 'conversations.engagement',
  method: 'GET',
  path: '/conversations/engagement',
  summary:
    'engagement across conversations, in all and per channel: messages sent (accepted by the channel), delivered, opened, bounced; contacts sent to and contacts who replied (an inbound message after one of ours in the conversation); reply rate = replied / contacts sent to',
  scope: 'read',
  errors: ['CAMP_001'],
  input: z.object({
    campaign_id: z.string().optional().describe('only this campaign’s messages and the replies to them'),
  }),
  output: z.object({
    campaign_id: z.uuid().nullable(),
    totals: Engagement.describe('every channel; a contact reached on two channels counts once'),
    by_channel: EngagementByChannel,
  }),
  handler: async (ctx, input) => {
    const campaignId = input.campaign_id
      ? await ownedCampaignId(ctx.db, ctx.principal, input.campaign_id)
      : undefined;
    const figures = await engagementByChannel(ctx.db, { principal: ctx.principal, campaignId });
    return { data: { campaign_id: campaignId ?? null, ...figures } };
  },
});
