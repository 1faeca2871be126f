/**
 * Which channels a principal can send on now, and to one contact when it is named: email always (over
 * SMTP, or into the outbox), Instagram and X only through a connected account and only when the
 * platform's rule allows it now (the Instagram 24-hour window, the X daily cap), each refusal with its
 * reason.
 */
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import type { contacts } from '../../../db/schema-contacts.ts';
import type { Env } from '../../env.ts';
import type { ChannelName } from '../../integrations/channels/channel-port.ts';
import { CHANNELS } from '../campaigns/channels.ts';
import type { EventOwner } from '../events/emit.ts';
import { channelRuleBlock, instagramWindow, sentToday } from '../sending/channel-rules.ts';
import { Timestamp } from '../timestamps.ts';
import { sendingAccount } from './channel-accounts.ts';

type ContactRow = typeof contacts.$inferSelect;

export const ChannelAvailability = z.object({
  channel: z.enum(CHANNELS),
  connected: z.boolean().describe('email: always; instagram, twitter: an account is connected'),
  available: z.boolean(),
  reason: z.string().nullable().describe('why it is not available now'),
  account: z
    .object({ id: z.uuid(), handle: z.string() })
    .nullable()
    .describe('the connected account DMs go out from'),
  window_closes_at: Timestamp.nullable().describe(
    "instagram with a contact: when the 24-hour window after the person's last message closes",
  ),
  sent_today: z.number().int().nullable().describe('twitter: DMs the account sent this UTC day'),
  daily_cap: z.number().int().nullable().describe('twitter: X_DAILY_DM_CAP'),
});
export type ChannelAvailability = z.infer<typeof ChannelAvailability>;

const ADDRESS_NAMES: Record<ChannelName, string> = {
  email: 'email address',
  instagram: 'instagram handle',
  twitter: 'x handle',
};

function addressOf(channel: ChannelName, contact: ContactRow): string | null {
  if (channel === 'email') return contact.email;
  return channel === 'instagram' ? contact.instagramHandle : contact.xHandle;
}

export async function channelAvailability(
  db: Db,
  env: Pick<Env, 'X_DAILY_DM_CAP'>,
  owner: EventOwner,
  channel: ChannelName,
  contact: ContactRow | undefined,
  now: Date,
): Promise<ChannelAvailability> {
  const answer: ChannelAvailability = {
    channel,
    connected: true,
    available: true,
    reason: null,
    account: null,
    window_closes_at: null,
    sent_today: null,
    daily_cap: null,
  };
  const refuse = (reason: string): ChannelAvailability => ({ ...answer, available: false, reason });
  if (channel !== 'email') {
    const account = await sendingAccount(db, owner, channel, null);
    if (!account) {
      answer.connected = false;
      return refuse(`no connected ${channel} account: connect one with channels.connect`);
    }
    answer.account = { id: account.id, handle: account.handle };
    if (channel === 'twitter') {
      answer.sent_today = await sentToday(db, account.id, now);
      answer.daily_cap = env.X_DAILY_DM_CAP;
    }
    if (contact && channel === 'instagram') {
      answer.window_closes_at = (await instagramWindow(db, contact.id, now)).closesAt?.toISOString() ?? null;
    }
  }
  if (contact) {
    if (contact.unsubscribedAt !== null) return refuse('the contact unsubscribed');
    if (!addressOf(channel, contact)) return refuse(`the contact has no ${ADDRESS_NAMES[channel]}`);
  }
  if (answer.account && (contact || channel === 'twitter')) {
    const block = await channelRuleBlock(db, {
      channel,
      contactId: contact?.id ?? '',
      accountId: answer.account.id,
      now,
      dailyCap: env.X_DAILY_DM_CAP,
    });
    if (block) return refuse(block.reason);
  }
  return answer;
}
