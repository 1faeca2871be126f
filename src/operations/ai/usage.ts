import { z } from 'zod';
import { type GenerationType, generationsInPeriod } from '../../domain/ai/generations.ts';
import { periodOf } from '../../domain/billing/plans.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { Timestamp } from '../../domain/timestamps.ts';
import { defineOperation } from '../define-operation.ts';

const Count = z.number().int();

export const aiUsage = defineOperation({
  id: 'ai.usage',
  method: 'GET',
  path: '/ai/usage',
  summary:
    'AI generation counts for the current billing period, broken down by generation type; there is no separate AI quota, so no limit',
  scope: 'read',
  input: z.object({}),
  output: z.object({
    period_start: Timestamp,
    period_end: Timestamp,
    total: z.number().int(),
    by_generation_type: z
      .object({
        generate: Count,
        generate_campaign: Count,
        analyze: Count,
        campaign_analysis: Count,
        draft: Count,
        revision: Count,
      } satisfies Record<GenerationType, typeof Count>)
      .describe(
        'generate, generate_campaign and analyze: the AI operations; campaign_analysis: campaigns.analyze; draft: campaign drafts; revision: messages.feedback',
      ),
  }),
  handler: async (ctx) => {
    const period = periodOf(ctx.now);
    const counts = await generationsInPeriod(ctx.db, eventOwnerOf(ctx.principal), period);
    return {
      data: {
        period_start: period.start.toISOString(),
        period_end: period.end.toISOString(),
        total: Object.values(counts).reduce((sum, n) => sum + n, 0),
        by_generation_type: counts,
      },
    };
  },
});
