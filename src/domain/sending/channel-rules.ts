/**
 * Platform rules a DM must pass before any API call, answered with a clear reason:
 *
 * - Instagram: a business may message a person only within 24 hours after that person's last message
 *   to it (Meta's standard messaging window). The last inbound Instagram message of the contact decides.
 * - X: a connected account sends at most X_DAILY_DM_CAP DMs per UTC day (default 500, the daily DM limit
 *   X sets for an account, below the API's 1,000 DM requests per user per 24 hours). The count is the
 *   account's sends recorded in channel_account_sends that day; the account row is locked while a send
 *   is decided and made, so two sends at once cannot both take the last place.
 *
 * `prepareChannelSend` is what the send path calls: it picks the connected account a DM goes out from,
 * opens its token, and checks the rules. A DM with no connected account goes to the outbox, where no
 * platform rule applies (nothing leaves).
 */
import { and, count, eq, gte, lt, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { channelAccountSends, channelAccounts } from '../../../db/schema-channels.ts';
import { messages } from '../../../db/schema-messages.ts';
import type { Sealer } from '../../crypto/sealer.ts';
import type { Env } from '../../env.ts';
import { type ChannelSender, isDmChannel } from '../../integrations/channels/channel-port.ts';
import { sendingAccount } from '../channels/channel-accounts.ts';
import type { EventOwner } from '../events/emit.ts';

export const INSTAGRAM_WINDOW_MS = 24 * 60 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

export type ChannelRule = 'instagram_24h_window' | 'x_daily_cap';

export interface ChannelRuleBlock {
  rule: ChannelRule;
  reason: string;
  /** When the same send could pass (the next UTC day for the cap); absent when only the person can reopen it. */
  retryAt?: Date;
}

/** The start of the UTC day of `now`. */
export function utcDayStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

export interface InstagramWindow {
  open: boolean;
  lastInboundAt: Date | null;
  /** When the window closes (or closed); null when the person never wrote. */
  closesAt: Date | null;
}

/** The contact's Instagram messaging window at `now`. */
export async function instagramWindow(db: Db, contactId: string, now: Date): Promise<InstagramWindow> {
  const at = sql<Date | string | null>`max(coalesce(${messages.sentAt}, ${messages.createdAt}))`;
  const [row] = await db
    .select({ at })
    .from(messages)
    .where(
      and(
        eq(messages.contactId, contactId),
        eq(messages.direction, 'inbound'),
        eq(messages.channel, 'instagram'),
      ),
    );
  const last = row?.at ? new Date(row.at) : null;
  if (!last) return { open: false, lastInboundAt: null, closesAt: null };
  const closesAt = new Date(last.getTime() + INSTAGRAM_WINDOW_MS);
  return { open: now.getTime() < closesAt.getTime(), lastInboundAt: last, closesAt };
}

/** DMs the account sent in the UTC day of `now`. */
export async function sentToday(db: Db, accountId: string, now: Date): Promise<number> {
  const start = utcDayStart(now);
  const [row] = await db
    .select({ n: count() })
    .from(channelAccountSends)
    .where(
      and(
        eq(channelAccountSends.accountId, accountId),
        gte(channelAccountSends.sentAt, start),
        lt(channelAccountSends.sentAt, new Date(start.getTime() + DAY_MS)),
      ),
    );
  return row?.n ?? 0;
}

export interface ChannelRuleInput {
  channel: string;
  contactId: string;
  /** The connected account sending (the X cap is per account). */
  accountId: string;
  now: Date;
  /** X_DAILY_DM_CAP */
  dailyCap: number;
}

/** Why the platform would refuse this DM now, or undefined when it may go. */
export async function channelRuleBlock(
  db: Db,
  input: ChannelRuleInput,
): Promise<ChannelRuleBlock | undefined> {
  if (input.channel === 'instagram') {
    const window = await instagramWindow(db, input.contactId, input.now);
    if (window.open) return undefined;
    return {
      rule: 'instagram_24h_window',
      reason: window.lastInboundAt
        ? `instagram allows a message only within 24 hours after the person's last message; theirs was at ${window.lastInboundAt.toISOString()} and the window closed at ${window.closesAt?.toISOString()}`
        : 'instagram allows a message only within 24 hours after the person writes to the account, and this contact never has',
    };
  }
  if (input.channel === 'twitter') {
    const sent = await sentToday(db, input.accountId, input.now);
    if (sent < input.dailyCap) return undefined;
    const retryAt = new Date(utcDayStart(input.now).getTime() + DAY_MS);
    return {
      rule: 'x_daily_cap',
      reason: `x daily DM cap reached: this account sent ${sent} of ${input.dailyCap} DMs today (UTC); sending resumes at ${retryAt.toISOString()}`,
      retryAt,
    };
  }
  return undefined;
}

/** The message being sent, as much of it as choosing its sender needs. */
export interface ChannelSendSubject {
  userId: string;
  agentIdentityId: string | null;
  channel: string;
  contactId: string;
  conversationId: string | null;
}

export type PreparedChannelSend =
  /** `sender` is absent for email, and for a DM with no connected account (it goes to the outbox). */
  { ok: true; sender?: ChannelSender } | ({ ok: false } & ChannelRuleBlock);

/**
 * Chooses the connected account a DM goes out from (locking its row), opens its token and checks the
 * platform's rules, before any API call.
 */
export async function prepareChannelSend(
  tx: Db,
  services: { sealer: Sealer; env: Pick<Env, 'X_DAILY_DM_CAP'> },
  message: ChannelSendSubject,
  now: Date,
): Promise<PreparedChannelSend> {
  if (!isDmChannel(message.channel)) return { ok: true };
  const owner: EventOwner = { userId: message.userId, agentIdentityId: message.agentIdentityId };
  const chosen = await sendingAccount(tx, owner, message.channel, message.conversationId);
  if (!chosen) return { ok: true };
  // Locked until the send commits: the cap's count and the send are one step per account.
  const [account] = await tx
    .select()
    .from(channelAccounts)
    .where(eq(channelAccounts.id, chosen.id))
    .for('update');
  if (!account || account.disconnectedAt !== null) return { ok: true };
  const block = await channelRuleBlock(tx, {
    channel: message.channel,
    contactId: message.contactId,
    accountId: account.id,
    now,
    dailyCap: services.env.X_DAILY_DM_CAP,
  });
  if (block) return { ok: false, ...block };
  return {
    ok: true,
    sender: {
      accountId: account.id,
      externalAccountId: account.externalAccountId,
      accessToken: services.sealer.open(account.tokenSealed),
    },
  };
}

/** Records which account sent a DM, in the transaction that marks it sent (the cap counts these). */
export async function recordChannelSend(
  tx: Db,
  send: { messageId: string; accountId: string; sentAt: Date },
): Promise<void> {
  await tx
    .insert(channelAccountSends)
    .values({ messageId: send.messageId, accountId: send.accountId, sentAt: send.sentAt })
    .onConflictDoNothing();
}
