/**
 * The Anthropic adapter, on the official `@anthropic-ai/sdk`. Each task is one Messages API call that must
 * answer through one tool: the tool's `input_schema` is the JSON Schema of the answer (converted from the
 * zod schema every adapter answers, with `z.toJSONSchema` as for the API's own documents), the call forces
 * it with `tool_choice: {type: 'tool', name}`, and the tool_use block's input is validated with that zod
 * schema. `model` in every answer is the model the API says answered. (The key travels as the SDK sends it:
 * since SDK 1.x, an `Authorization: Bearer` header rather than `x-api-key`.)
 *
 * Failures: the SDK retries 408, 409, 429, 5xx and dropped connections itself (`maxRetries`, honouring
 * `retry-after`); what is still failing after that becomes an AiFailure: 429 `rate_limited` (AI_004);
 * 401, 403, 503, 529 and no connection `unavailable` (AI_001); a refusal (`stop_reason: refusal`) or a
 * request the content filter blocked `content_filtered` (AI_005); anything else, an answer without the tool
 * call included and one that does not fit the schema, `failed` (the operation's own AI_002 or AI_003).
 */
import Anthropic, { APIConnectionError, APIError } from '@anthropic-ai/sdk';
import type { ContentBlock, Message, Tool, ToolUseBlock } from '@anthropic-ai/sdk/resources/messages';
import { z } from 'zod';
import { CONTACT_VARIABLES } from '../../domain/messages/variables.ts';
import { AiFailure, type AiPort } from './ai-port.ts';
import { CampaignAnalysis } from './campaign-analysis.ts';
import { GeneratedCampaign } from './campaign-generation.ts';
import { Draft, type DraftBrief } from './message-draft.ts';
import { GeneratedMessage } from './message-generation.ts';
import { ReplyAnalysis } from './reply-analysis.ts';

/** The model used when ANTHROPIC_MODEL is unset. */
export const DEFAULT_ANTHROPIC_MODEL = 'claude-sonnet-5-5';

export interface AnthropicAiOptions {
  apiKey: string;
  /** The API's origin (a local server in tests); the SDK's default when unset. */
  baseURL?: string | undefined;
  model?: string | undefined;
  /** Retries of one call on 408, 409, 429, 5xx and dropped connections (default 2, the SDK's). */
  maxRetries?: number;
  /** How long one attempt may take (default 60 s). */
  timeoutMs?: number;
  /** The longest answer asked for, in tokens (default 4096). */
  maxTokens?: number;
}

const SYSTEM = [
  'You are the writing and analysis engine of iris, an outreach tool for small businesses, venues, artists and event organisers.',
  'Answer only by calling the tool you are given, with input that fits its schema.',
  'Write plainly and honestly: invent no facts, prices, dates, names or offers beyond what you are told.',
  'A message may use {{variable}} placeholders only where you are told which ones are available; never any other placeholder.',
].join(' ');

interface Task<S extends z.ZodObject> {
  schema: S;
  tool: Tool;
}

function task<S extends z.ZodObject>(name: string, description: string, schema: S): Task<S> {
  const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
  }) as Record<string, unknown>;
  return { schema, tool: { name, description, input_schema: { ...jsonSchema, type: 'object' } } };
}

/** One tool per task; what the model writes is the answer without `model`, which the API's answer gives. */
const TASKS = {
  analysis: task(
    'record_campaign_analysis',
    'Record the analysis of the outreach campaign.',
    CampaignAnalysis.omit({ model: true }),
  ),
  draft: task('record_message_draft', 'Record the outreach message.', Draft.omit({ model: true })),
  message: task('record_message', 'Record the outreach message.', GeneratedMessage.omit({ model: true })),
  campaign: task(
    'record_campaign_content',
    'Record the campaign’s message sequence and templates.',
    GeneratedCampaign.omit({ model: true }),
  ),
  reply: task(
    'record_reply_analysis',
    'Record the analysis of the inbound message.',
    ReplyAnalysis.omit({ model: true }),
  ),
};

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function placeholders(contact: Readonly<Record<string, string>>): string {
  const names = Object.keys(contact);
  return names.length > 0
    ? `Placeholders you may use (the contact has these values): ${names.map((n) => `{{${n}}}`).join(', ')}. Prefer them to writing the values out; use no other {{…}} placeholder.`
    : 'The contact has no values for placeholders: write no {{…}} placeholder.';
}

function channelRule(channel: string): string {
  return channel === 'email'
    ? 'It is an email: give a subject.'
    : `It is a ${channel === 'twitter' ? 'X (Twitter)' : 'Instagram'} direct message: subject null, body short.`;
}

function draftPrompt(brief: DraftBrief): string {
  const which =
    brief.step === 0
      ? 'the first message'
      : `follow-up ${brief.step}, sent ${brief.daysAfterFirst} days after the first message`;
  return [
    `Write ${which} of this campaign's outreach to one contact on ${brief.channel}. ${channelRule(brief.channel)}`,
    placeholders(brief.contact),
    `Campaign:\n${json(brief.campaign)}`,
    `Contact:\n${json(brief.contact)}`,
  ].join('\n\n');
}

/** A failed call as the port's failure. */
export function failureOf(error: unknown): AiFailure {
  if (error instanceof AiFailure) return error;
  if (error instanceof APIConnectionError) {
    return new AiFailure('unavailable', `cannot reach the Anthropic API: ${error.message}`, { cause: error });
  }
  if (error instanceof APIError) {
    const status = error.status;
    if (status === 429)
      return new AiFailure('rate_limited', 'the Anthropic API rate-limits us', { cause: error });
    if (status === 401 || status === 403 || status === 503 || status === 529) {
      return new AiFailure('unavailable', `the Anthropic API answered ${status}`, { cause: error });
    }
    if (status === 400 && /content filter|content filtering|blocked by .{0,40}polic/i.test(error.message)) {
      return new AiFailure('content_filtered', 'the Anthropic API filtered the content', { cause: error });
    }
  }
  const message = error instanceof Error ? error.message : 'the Anthropic call failed';
  return new AiFailure('failed', message, { cause: error });
}

export function createAnthropicAi(options: AnthropicAiOptions): AiPort {
  const client = new Anthropic({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: options.maxRetries ?? 2,
    timeout: options.timeoutMs ?? 60_000,
  });
  const model = options.model ?? DEFAULT_ANTHROPIC_MODEL;
  const maxTokens = options.maxTokens ?? 4096;

  async function ask<S extends z.ZodObject>(
    { schema, tool }: Task<S>,
    prompt: string,
  ): Promise<z.output<S> & { model: string }> {
    let answer: Message;
    try {
      answer = await client.messages.create({
        model,
        max_tokens: maxTokens,
        system: SYSTEM,
        messages: [{ role: 'user', content: prompt }],
        tools: [tool],
        tool_choice: { type: 'tool', name: tool.name },
      });
    } catch (error) {
      throw failureOf(error);
    }
    if (answer.stop_reason === 'refusal') {
      throw new AiFailure('content_filtered', 'the model declined to answer');
    }
    const call = answer.content.find(
      (block: ContentBlock): block is ToolUseBlock => block.type === 'tool_use' && block.name === tool.name,
    );
    if (!call) {
      throw new AiFailure(
        'failed',
        `the model did not call ${tool.name} (stop_reason ${answer.stop_reason})`,
      );
    }
    const parsed = schema.safeParse(call.input);
    if (!parsed.success) {
      throw new AiFailure(
        'failed',
        `the model's ${tool.name} input does not fit its schema: ${z.prettifyError(parsed.error)}`,
      );
    }
    return { ...parsed.data, model: answer.model };
  }

  return {
    analyzeCampaign: (brief) =>
      ask(
        TASKS.analysis,
        [
          'Analyse this outreach campaign for its owner: the audience segments to reach (source "campaign" for its own criteria, "target_profile" for one of its target profiles, "objective" otherwise); the value propositions to lead with; advice for each channel (email, instagram, twitter; "selected" is whether the campaign uses it today); keywords and venue types for discovery; and the risks (snake_case code; category targeting, channel, cadence or compliance; severity info or warning).',
          `Campaign:\n${json(brief)}`,
        ].join('\n\n'),
      ),
    draftMessage: (brief) => ask(TASKS.draft, draftPrompt(brief)),
    reviseMessage: (brief) =>
      ask(
        TASKS.draft,
        [
          draftPrompt(brief),
          `Current version:\n${json(brief.current)}`,
          `Rewrite it to act on this feedback from the sender:\n${brief.feedback}`,
        ].join('\n\n'),
      ),
    generateMessage: (brief) =>
      ask(
        TASKS.message,
        [
          `Write one outreach message to this contact on ${brief.channel}${brief.tone ? `, in a ${brief.tone} tone` : ''}, following the sender's brief. ${channelRule(brief.channel)}`,
          placeholders(brief.contact),
          `Brief:\n${brief.brief}`,
          `Contact:\n${json(brief.contact)}`,
        ].join('\n\n'),
      ),
    generateCampaign: (brief) =>
      ask(
        TASKS.campaign,
        [
          `Write the outreach content of a campaign from the sender's brief. The sequence has, for each channel (${brief.channels.join(', ')}), the first message (step 0, day 0) and ${
            brief.followupDays.length > 0
              ? `one follow-up per follow-up day (step n on day ${brief.followupDays.map((day, i) => `${i + 1}: ${day}`).join(', ')})`
              : 'no follow-up'
          }. The templates are reusable messages with snake_case names, such as a personalised first message per channel and a reply to someone interested.`,
          'Emails have a subject; direct messages (instagram, twitter) have subject null and a short body.',
          `The sequence must suit any contact: no placeholders in it. Templates may use only these placeholders: ${CONTACT_VARIABLES.map((n) => `{{${n}}}`).join(', ')}.`,
          brief.objectiveType ? `Objective: ${brief.objectiveType}` : '',
          `Brief:\n${brief.brief}`,
        ]
          .filter(Boolean)
          .join('\n\n'),
      ),
    analyzeReply: (text, context) =>
      ask(
        TASKS.reply,
        [
          'Analyse this inbound message (an email or a direct message) that answers our outreach: its intent, its sentiment, its key points (short, at most 10) and a reply we could send (ready to send, without placeholders).',
          context ? `Context of the conversation:\n${context}` : '',
          `Message:\n${text}`,
        ]
          .filter(Boolean)
          .join('\n\n'),
      ),
  };
}
