import { z } from 'zod';
import {
  DateInput,
  MAX_DAYS,
  Performance,
  performance,
  rangeOf,
} from '../../domain/analytics/performance.ts';
import { ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import { defineOperation } from '../define-operation.ts';

export const analyticsPerformance = defineOperation({
  id: 'analytics.performance',
  method: 'GET',
  path: '/analytics/performance',
  summary: `performance over time: per UTC day, messages sent, delivered, opened and bounced, and contacts whose first reply arrived that day; from/to default to the last 30 days, at most ${MAX_DAYS} days`,
  scope: 'read',
  errors: ['CAMP_001'],
  input: z.object({
    from: DateInput.optional().describe('first day (UTC, YYYY-MM-DD); default 29 days before `to`'),
    to: DateInput.optional().describe('last day, included (UTC, YYYY-MM-DD); default today'),
    campaign_id: z.string().optional().describe('only this campaign’s messages and the replies to them'),
  }),
  output: Performance,
  handler: async (ctx, input) => {
    const range = rangeOf(input, ctx.now);
    const campaignId = input.campaign_id
      ? await ownedCampaignId(ctx.db, ctx.principal, input.campaign_id)
      : undefined;
    return { data: await performance(ctx.db, { principal: ctx.principal, campaignId }, range) };
  },
});
