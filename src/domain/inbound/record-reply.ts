/**
 * Storing a reply, whatever channel brought it, in one transaction: the inbound message (once per
 * external id: a delivery retried by its sender stores nothing twice), the conversation marked unread,
 * and — unless it is an automatic answer — the contact's unsent messages of that campaign withdrawn (a
 * person who answered gets no follow-up), a notification for the account, the
 * conversation.reply_received event, and a `reply.analyze` job that stores the AI's reading of it.
 */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { conversations } from '../../../db/schema-contacts.ts';
import { messages } from '../../../db/schema-messages.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { requestCompletionCheck } from '../engine/complete-campaign.ts';
import { emit } from '../events/emit.ts';
import { notify } from '../notifications/notify.ts';
import { UNSENT_STATUSES } from '../sending/suppression.ts';
import { storableText } from '../storable.ts';

export const REPLY_ANALYZE_JOB = 'reply.analyze';

/** Longest body kept of one inbound message (characters). */
export const MAX_REPLY_LENGTH = 100_000;

export interface ReplyConversation {
  id: string;
  userId: string;
  agentIdentityId: string | null;
  contactId: string;
  campaignId: string | null;
  channel: string;
}

export interface IncomingReply {
  subject: string | null;
  text: string;
  /** The channel's id of the reply (its Message-ID, the DM's id). */
  externalId: string;
  /** When the sender says they sent it, when known. */
  sentAt: Date | null;
  autoReply: boolean;
}

export type RecordedReply = { messageId: string; duplicate: boolean };

export async function recordReply(
  tx: Db,
  conversation: ReplyConversation,
  reply: IncomingReply,
  now: Date,
): Promise<RecordedReply> {
  const subject = reply.subject === null ? null : storableText(reply.subject, 1_000);
  const [inserted] = await tx
    .insert(messages)
    .values({
      userId: conversation.userId,
      agentIdentityId: conversation.agentIdentityId,
      campaignId: conversation.campaignId,
      contactId: conversation.contactId,
      conversationId: conversation.id,
      channel: conversation.channel,
      direction: 'inbound',
      status: 'received',
      subject,
      body: storableText(reply.text, MAX_REPLY_LENGTH),
      externalId: storableText(reply.externalId, 1_000),
      sentAt: reply.sentAt,
      autoReply: reply.autoReply,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: messages.id });
  if (!inserted) {
    const [existing] = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(
        and(
          eq(messages.userId, conversation.userId),
          eq(messages.channel, conversation.channel),
          eq(messages.direction, 'inbound'),
          eq(messages.externalId, storableText(reply.externalId, 1_000)),
        ),
      );
    if (!existing) throw new Error('an inbound message conflicted, then was not found');
    return { messageId: existing.id, duplicate: true };
  }
  await tx
    .update(conversations)
    .set({ unreadCount: sql`${conversations.unreadCount} + 1`, lastMessageAt: now, updatedAt: now })
    .where(eq(conversations.id, conversation.id));
  const owner = { userId: conversation.userId, agentIdentityId: conversation.agentIdentityId };
  await emit(
    tx,
    owner,
    'conversation.reply_received',
    {
      id: conversation.id,
      message_id: inserted.id,
      contact_id: conversation.contactId,
      campaign_id: conversation.campaignId,
      channel: conversation.channel,
      subject,
      auto_reply: reply.autoReply,
    },
    now,
  );
  if (reply.autoReply) return { messageId: inserted.id, duplicate: false };
  if (conversation.campaignId !== null) {
    await tx
      .update(messages)
      .set({
        status: 'rejected',
        rejectedAt: now,
        rejectionReason: 'cancelled: contact replied',
        updatedAt: now,
      })
      .where(
        and(
          eq(messages.campaignId, conversation.campaignId),
          eq(messages.contactId, conversation.contactId),
          eq(messages.direction, 'outbound'),
          inArray(messages.status, [...UNSENT_STATUSES]),
        ),
      );
    await requestCompletionCheck(tx, conversation.campaignId, `reply:${inserted.id}`);
  }
  await notify(
    tx,
    conversation.userId,
    'reply.received',
    {
      conversation_id: conversation.id,
      message_id: inserted.id,
      contact_id: conversation.contactId,
      campaign_id: conversation.campaignId,
      channel: conversation.channel,
    },
    now,
  );
  await enqueue(tx, {
    kind: REPLY_ANALYZE_JOB,
    payload: { message_id: inserted.id },
    dedupeKey: `${REPLY_ANALYZE_JOB}:${inserted.id}`,
  });
  return { messageId: inserted.id, duplicate: false };
}
