/**
 * ai.generate_campaign: what the AI port is asked (an inline brief, the channels and the follow-up days)
 * and what it answers: the campaign's message sequence and reusable templates. The sequence is written to
 * suit any contact; templates may personalise with the standard contact `{{variables}}` (first_name,
 * company, ...), each resolved against the contact when a message is sent.
 */
import { z } from 'zod';
import { CHANNELS, type Channel } from '../../domain/campaigns/channels.ts';

export interface CampaignContentBrief {
  /** The strategy in the person's words: what is offered, to whom, why now. */
  brief: string;
  channels: readonly Channel[];
  /** Days after the first message for each follow-up, increasing. */
  followupDays: readonly number[];
  /** What the outreach is for (product_promotion, venue_dj, ...), when given. */
  objectiveType: string | null;
}

const Subject = z.string().trim().min(1).max(200).nullable().describe('email only; null for direct messages');
const Body = z.string().trim().min(1).max(5000);

export const SequenceStep = z.object({
  step: z.number().int().min(0).describe('0: the first message; n: the n-th follow-up'),
  day: z.number().int().min(0).max(365).describe('days after the first message'),
  channel: z.enum(CHANNELS),
  subject: Subject,
  body: Body,
});
export type SequenceStep = z.infer<typeof SequenceStep>;

export const MessageTemplate = z.object({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,63}$/)
    .describe('a snake_case name, e.g. email_first_touch'),
  channel: z.enum(CHANNELS),
  subject: Subject,
  body: Body,
});
export type MessageTemplate = z.infer<typeof MessageTemplate>;

export const GeneratedCampaign = z.object({
  sequence: z.array(SequenceStep).min(1).max(50),
  templates: z.array(MessageTemplate).max(20),
  model: z.string().describe('the model that wrote it'),
});
export type GeneratedCampaign = z.infer<typeof GeneratedCampaign>;
