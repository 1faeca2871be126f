import { z } from 'zod';
import { recordGeneration } from '../../domain/ai/generations.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { AI_FAILURE_CODES, aiApiError } from '../../integrations/ai/ai-error.ts';
import { AiFailure } from '../../integrations/ai/ai-port.ts';
import { ReplyAnalysis } from '../../integrations/ai/reply-analysis.ts';
import { unresolvedPlaceholders } from '../../integrations/ai/template-text.ts';
import { defineOperation } from '../define-operation.ts';

export const aiAnalyze = defineOperation({
  id: 'ai.analyze',
  method: 'POST',
  path: '/ai/analyze',
  summary:
    'analyze an inbound message (email or DM) for intent, sentiment, key points, and a suggested reply',
  scope: 'generate',
  rateLimit: 'aiGeneration',
  audit: 'analyze_ai',
  errors: ['AI_003', ...AI_FAILURE_CODES],
  input: z.strictObject({
    text: z.string().trim().min(1).max(20_000).describe('the inbound message, as received'),
    context: z
      .string()
      .trim()
      .min(1)
      .max(4000)
      .optional()
      .describe('what the conversation is about, e.g. the outreach message it answers'),
  }),
  output: ReplyAnalysis,
  handler: async (ctx, input) => {
    let analysis: ReplyAnalysis;
    try {
      analysis = ReplyAnalysis.parse(await ctx.services.ai.analyzeReply(input.text, input.context ?? null));
      // The suggested reply goes to one person as it is: nothing in it is left to fill in.
      if (unresolvedPlaceholders(analysis.suggested_reply, () => false).length > 0) {
        throw new AiFailure('failed', 'the suggested reply has placeholders');
      }
    } catch (error) {
      throw aiApiError(error, 'AI_003');
    }
    const generationId = await recordGeneration(ctx.db, eventOwnerOf(ctx.principal), {
      type: 'analyze',
      model: analysis.model,
      at: ctx.now,
    });
    return {
      data: analysis,
      resourceId: generationId,
      auditMetadata: { model: analysis.model, intent: analysis.intent },
    };
  },
});
