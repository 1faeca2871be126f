/**
 * ai.generate: what the AI port is asked (a person's brief, a channel, a tone and the values the contact
 * has) and what it answers: one message. Like a campaign draft, the text may use `{{variables}}` only for
 * values the contact has, so it always renders at send time.
 */
import { z } from 'zod';
import type { Channel } from '../../domain/campaigns/channels.ts';

export const TONES = ['friendly', 'professional', 'casual', 'enthusiastic'] as const;
export type Tone = (typeof TONES)[number];

export interface MessageBrief {
  /** What the message is for, in the person's words. */
  brief: string;
  /** The contact's variables that have a value (names as in `{{…}}`), e.g. first_name, company. */
  contact: Readonly<Record<string, string>>;
  channel: Channel;
  tone: Tone | null;
}

export const GeneratedMessage = z.object({
  subject: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .nullable()
    .describe('the email subject; null for direct messages'),
  body: z.string().trim().min(1).max(5000),
  model: z.string().describe('the model that wrote it'),
});
export type GeneratedMessage = z.infer<typeof GeneratedMessage>;
