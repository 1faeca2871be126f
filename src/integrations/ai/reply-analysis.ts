/**
 * ai.analyze: what the AI port answers about an inbound message (an email or a DM): what the sender wants,
 * how they feel about it, the points they make and a reply to send.
 */
import { z } from 'zod';

export const REPLY_INTENTS = [
  'interested',
  'not_interested',
  'question',
  'out_of_office',
  'unsubscribe',
  'other',
] as const;
export type ReplyIntent = (typeof REPLY_INTENTS)[number];
export const SENTIMENTS = ['positive', 'neutral', 'negative'] as const;
export type Sentiment = (typeof SENTIMENTS)[number];

export const ReplyAnalysis = z.object({
  intent: z.enum(REPLY_INTENTS),
  sentiment: z.enum(SENTIMENTS),
  key_points: z.array(z.string().trim().min(1).max(500)).max(10).describe('what the message says, briefly'),
  suggested_reply: z.string().trim().min(1).max(5000).describe('a reply to send, to edit as needed'),
  model: z.string().describe('the model that analyzed it'),
});
export type ReplyAnalysis = z.infer<typeof ReplyAnalysis>;
