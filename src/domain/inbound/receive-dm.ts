/**
 * An inbound DM (Instagram or X), as the bridge that relays the platform's webhook posts it to
 * `POST /inbound/:channel`: which connected account it reached, who sent it, its id and text. Matched
 * to the account's owner through the connected account, then to the contact by handle, then to the
 * newest conversation with that contact on that channel (one is opened when there is none), and stored
 * by record-reply.ts. A DM to an account nobody connected, or from someone who is not a contact, is
 * acknowledged and not stored.
 */
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { channelAccounts } from '../../../db/schema-channels.ts';
import { contacts, conversations } from '../../../db/schema-contacts.ts';
import { openConversation } from '../conversations/open-conversation.ts';
import { TimestampInput } from '../storable.ts';
import { type RecordedReply, type ReplyConversation, recordReply } from './record-reply.ts';

export const DM_CHANNELS = ['instagram', 'twitter'] as const;
export type DmChannel = (typeof DM_CHANNELS)[number];

/** The body of `POST /inbound/:channel`. */
export const InboundDm = z.strictObject({
  /** The platform's id of our connected account that received it (channels.accounts' external id). */
  account_id: z.string().trim().min(1).max(100),
  from: z.strictObject({
    /** The sender's handle on the platform, with or without the @. */
    handle: z.string().trim().min(1).max(100),
    /** The sender's platform id, when the bridge knows it. */
    id: z.string().trim().min(1).max(100).optional(),
  }),
  /** The platform's id of the message: a delivery repeated with the same id is stored once. */
  id: z.string().trim().min(1).max(200),
  text: z.string().max(20_000),
  /** When the person sent it. */
  sent_at: TimestampInput.optional(),
});
export type InboundDm = z.infer<typeof InboundDm>;

export type ReceivedDm =
  | ({ matched: true; conversationId: string } & RecordedReply)
  | { matched: false; reason: string };

const handleColumn = { instagram: contacts.instagramHandle, twitter: contacts.xHandle } as const;

export async function receiveDm(db: Db, channel: DmChannel, dm: InboundDm, now: Date): Promise<ReceivedDm> {
  const handle = dm.from.handle.replace(/^@/, '').toLowerCase();
  return db.transaction(async (tx) => {
    const [account] = await tx
      .select({ userId: channelAccounts.userId, agentIdentityId: channelAccounts.agentIdentityId })
      .from(channelAccounts)
      .where(
        and(
          eq(channelAccounts.channel, channel),
          eq(channelAccounts.externalAccountId, dm.account_id),
          isNull(channelAccounts.disconnectedAt),
        ),
      )
      .orderBy(desc(channelAccounts.updatedAt))
      .limit(1);
    if (!account)
      return { matched: false, reason: `no connected ${channel} account ${dm.account_id}` } as const;
    const owner =
      account.agentIdentityId === null
        ? and(eq(contacts.userId, account.userId), isNull(contacts.agentIdentityId))
        : eq(contacts.agentIdentityId, account.agentIdentityId);
    const [contact] = await tx
      .select({ id: contacts.id })
      .from(contacts)
      .where(
        and(owner, isNull(contacts.deletedAt), sql`lower(ltrim(${handleColumn[channel]}, '@')) = ${handle}`),
      )
      .orderBy(contacts.createdAt)
      .limit(1);
    if (!contact) return { matched: false, reason: `@${handle} is not a contact of this account` } as const;
    const columns = {
      id: conversations.id,
      userId: conversations.userId,
      agentIdentityId: conversations.agentIdentityId,
      contactId: conversations.contactId,
      campaignId: conversations.campaignId,
      channel: conversations.channel,
    };
    const [found] = await tx
      .select(columns)
      .from(conversations)
      .where(and(eq(conversations.contactId, contact.id), eq(conversations.channel, channel)))
      .orderBy(sql`${conversations.lastMessageAt} desc nulls last`, desc(conversations.createdAt))
      .limit(1);
    let conversation: ReplyConversation | undefined = found;
    if (!conversation) {
      const opened = await openConversation(
        tx,
        {
          userId: account.userId,
          agentIdentityId: account.agentIdentityId,
          contactId: contact.id,
          campaignId: null,
          channel,
        },
        now,
      );
      conversation = {
        id: opened.id,
        userId: opened.userId,
        agentIdentityId: opened.agentIdentityId,
        contactId: opened.contactId,
        campaignId: opened.campaignId,
        channel: opened.channel,
      };
    }
    if (!conversation) throw new Error('conversation insert returned nothing');
    const recorded = await recordReply(
      tx,
      conversation,
      {
        subject: null,
        text: dm.text,
        externalId: dm.id,
        sentAt: dm.sent_at ? new Date(dm.sent_at) : null,
        autoReply: false,
      },
      now,
    );
    return { matched: true, conversationId: conversation.id, ...recorded } as const;
  });
}
