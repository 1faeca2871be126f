/**
 * What the AI port is asked to draft (one message of a campaign's sequence to one contact on one
 * channel) and what it answers. A draft may use `{{variables}}` only for values the contact has, so it
 * always renders at send time.
 */
import { z } from 'zod';
import type { Channel } from '../../domain/campaigns/channels.ts';

export interface DraftBrief {
  campaign: {
    name: string;
    objectiveType: string;
    location: string | null;
    keywords: readonly string[];
    venueTypes: readonly string[];
  };
  /** The contact's variables that have a value (names as in `{{…}}`), e.g. first_name, company. */
  contact: Readonly<Record<string, string>>;
  channel: Channel;
  /** 0: the first message; n: the n-th follow-up. */
  step: number;
  /** Days after the first message, for follow-ups. */
  daysAfterFirst: number;
}

export const Draft = z.object({
  /** Email only; null on direct messages. */
  subject: z.string().min(1).max(200).nullable(),
  body: z.string().min(1).max(5000),
  model: z.string(),
});
export type Draft = z.infer<typeof Draft>;

export interface RevisionBrief extends DraftBrief {
  current: { subject: string | null; body: string };
  feedback: string;
}
