import { z } from 'zod';
import { ResponseTime, ResponseTimeByChannel, responseTimes } from '../../domain/analytics/response-time.ts';
import { ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import { defineOperation } from '../define-operation.ts';

export const analyticsResponseTime = defineOperation({
  id: 'analytics.response_time',
  method: 'GET',
  path: '/analytics/response-time',
  summary:
    'average and median response time in seconds: per conversation, from our first message sent to the first reply received after it; conversations without a reply are left out',
  scope: 'read',
  errors: ['CAMP_001'],
  input: z.object({
    campaign_id: z.string().optional().describe('only the conversations of this campaign'),
  }),
  output: ResponseTime.extend({
    campaign_id: z.uuid().nullable(),
    by_channel: ResponseTimeByChannel,
  }),
  handler: async (ctx, input) => {
    const campaignId = input.campaign_id
      ? await ownedCampaignId(ctx.db, ctx.principal, input.campaign_id)
      : undefined;
    const times = await responseTimes(ctx.db, { principal: ctx.principal, campaignId });
    return { data: { campaign_id: campaignId ?? null, ...times.totals, by_channel: times.by_channel } };
  },
});
