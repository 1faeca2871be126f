import { z } from 'zod';
import { recordGeneration } from '../../domain/ai/generations.ts';
import { CampaignChanges, CampaignFields } from '../../domain/campaigns/campaign-view.ts';
import { CHANNELS } from '../../domain/campaigns/channels.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { CONTACT_VARIABLES, variablesOf } from '../../domain/messages/variables.ts';
import { AI_FAILURE_CODES, aiApiError } from '../../integrations/ai/ai-error.ts';
import { AiFailure } from '../../integrations/ai/ai-port.ts';
import {
  GeneratedCampaign,
  MessageTemplate,
  SequenceStep,
} from '../../integrations/ai/campaign-generation.ts';
import { unresolvedPlaceholders } from '../../integrations/ai/template-text.ts';
import { defineOperation } from '../define-operation.ts';

/** Follow-ups when the brief names none: a second message after three days, a last one after a week. */
const DEFAULT_FOLLOWUP_DAYS = [3, 7];

const contactField = (name: string) => (CONTACT_VARIABLES as readonly string[]).includes(name);

/** Why an answer cannot be used as it is, or null: off-brief channels, emails without a subject, bad placeholders. */
function problemOf(answer: GeneratedCampaign, channels: readonly string[]): string | null {
  for (const item of [...answer.sequence, ...answer.templates]) {
    if (!channels.includes(item.channel))
      return `a message for ${item.channel}, which the brief does not use`;
    if (item.channel === 'email' && item.subject === null) return 'an email without a subject';
    const unresolved = unresolvedPlaceholders(`${item.subject ?? ''}\n${item.body}`, contactField);
    if (unresolved.length > 0) return `placeholders that are no contact field: ${unresolved.join(', ')}`;
  }
  return null;
}

export const aiGenerateCampaign = defineOperation({
  id: 'ai.generate_campaign',
  method: 'POST',
  path: '/ai/generate-campaign',
  summary:
    'generate campaign-level outreach content (message sequence per channel, templates) from an inline brief; no campaign id needed',
  scope: 'generate',
  rateLimit: 'aiGeneration',
  audit: 'generate_campaign_content',
  errors: ['AI_002', ...AI_FAILURE_CODES],
  input: z.strictObject({
    brief: z.string().trim().min(1).max(4000).describe('the strategy: what you offer, to whom, and why now'),
    channels: z
      .array(z.enum(CHANNELS))
      .min(1)
      .max(CHANNELS.length)
      .refine((list) => new Set(list).size === list.length, 'channels must not repeat')
      .describe('the channels the sequence uses'),
    followup_days: CampaignChanges.followup_days.describe(
      `days after the first message to follow up, increasing (default ${JSON.stringify(DEFAULT_FOLLOWUP_DAYS)})`,
    ),
    objective_type: CampaignFields.objective_type.optional(),
  }),
  output: z.object({
    sequence: z
      .array(SequenceStep)
      .describe('per channel, the first message (step 0, day 0) and each follow-up, ready for any contact'),
    templates: z
      .array(MessageTemplate)
      .describe('reusable messages; their {{variables}} are contact fields, resolved when sent'),
    variables: z.array(z.string()).describe('the contact fields the content uses as {{variables}}'),
    model: z.string(),
  }),
  handler: async (ctx, input) => {
    const followupDays = input.followup_days ?? DEFAULT_FOLLOWUP_DAYS;
    let content: GeneratedCampaign;
    try {
      content = GeneratedCampaign.parse(
        await ctx.services.ai.generateCampaign({
          brief: input.brief,
          channels: input.channels,
          followupDays,
          objectiveType: input.objective_type ?? null,
        }),
      );
      const problem = problemOf(content, input.channels);
      if (problem) throw new AiFailure('failed', `the campaign content has ${problem}`);
    } catch (error) {
      throw aiApiError(error, 'AI_002');
    }
    const direct = <T extends { channel: string; subject: string | null }>(item: T): T => ({
      ...item,
      subject: item.channel === 'email' ? item.subject : null,
    });
    const sequence = content.sequence.map(direct);
    const templates = content.templates.map(direct);
    const texts = [...sequence, ...templates].map((item) => `${item.subject ?? ''}\n${item.body}`);
    const generationId = await recordGeneration(ctx.db, eventOwnerOf(ctx.principal), {
      type: 'generate_campaign',
      model: content.model,
      at: ctx.now,
    });
    return {
      data: {
        sequence,
        templates,
        variables: [...new Set(texts.flatMap((text) => variablesOf(text)))],
        model: content.model,
      },
      resourceId: generationId,
      auditMetadata: { model: content.model, channels: input.channels, steps: sequence.length },
    };
  },
});
