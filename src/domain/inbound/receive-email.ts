/**
 * An inbound email (raw RFC 822, parsed with mailparser) matched to its conversation, then stored by
 * record-reply.ts. The match, first that holds:
 *
 * 1. In-Reply-To, then References (newest first): a Message-ID we chose, `<message id@our domain>`,
 *    names the outbound message it answers, and so its conversation;
 * 2. a recipient address `reply+<conversation id>@EMAIL_REPLY_DOMAIN` (the Reply-To we set when
 *    EMAIL_REPLY_DOMAIN is configured).
 *
 * A mail that matches nothing is not stored (it answers nothing iris sent) and says so.
 */
import { createHash } from 'node:crypto';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { type AddressObject, simpleParser } from 'mailparser';
import type { Db } from '../../../db/client.ts';
import { conversations } from '../../../db/schema-contacts.ts';
import { messages } from '../../../db/schema-messages.ts';
import { storableDate } from '../storable.ts';
import { isAutoReply } from './auto-reply.ts';
import { type RecordedReply, type ReplyConversation, recordReply } from './record-reply.ts';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

export type ReceivedEmail =
  | ({ matched: true; conversationId: string; autoReply: boolean } & RecordedReply)
  | { matched: false; reason: string };

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Our message ids named by In-Reply-To and References, the most recent reference first. */
export function referencedMessageIds(
  inReplyTo: string | undefined,
  references: string | string[] | undefined,
  messageIdDomain: string,
): string[] {
  const ours = new RegExp(`^<?(${UUID})@${escapeRegExp(messageIdDomain)}>?$`, 'i');
  const refs = typeof references === 'string' ? references.split(/\s+/) : (references ?? []);
  const ids: string[] = [];
  for (const candidate of [...(inReplyTo ? inReplyTo.split(/\s+/) : []), ...[...refs].reverse()]) {
    const id = ours.exec(candidate.trim())?.[1]?.toLowerCase();
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

function addressesOf(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((object) =>
    object.value.flatMap((a) => (a.address ? [a.address.toLowerCase()] : [])),
  );
}

const conversationColumns = {
  id: conversations.id,
  userId: conversations.userId,
  agentIdentityId: conversations.agentIdentityId,
  contactId: conversations.contactId,
  campaignId: conversations.campaignId,
  channel: conversations.channel,
};

async function conversationOf(
  db: Db,
  messageIds: readonly string[],
  replyAddresses: readonly string[],
): Promise<ReplyConversation | undefined> {
  if (messageIds.length > 0) {
    const rows = await db
      .select({ messageId: messages.id, ...conversationColumns })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(
        and(
          inArray(messages.id, [...messageIds]),
          eq(messages.direction, 'outbound'),
          eq(conversations.channel, 'email'),
          isNotNull(messages.conversationId),
        ),
      );
    for (const id of messageIds) {
      const row = rows.find((r) => r.messageId === id);
      if (row) {
        const { messageId: _, ...conversation } = row;
        return conversation;
      }
    }
  }
  for (const conversationId of replyAddresses) {
    const [row] = await db
      .select(conversationColumns)
      .from(conversations)
      .where(and(eq(conversations.id, conversationId), eq(conversations.channel, 'email')));
    if (row) return row;
  }
  return undefined;
}

export async function receiveEmail(
  db: Db,
  raw: Buffer,
  settings: { messageIdDomain: string; replyDomain: string | undefined },
  now: Date,
): Promise<ReceivedEmail> {
  const mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  const messageIds = referencedMessageIds(mail.inReplyTo, mail.references, settings.messageIdDomain);
  const replyAddress = settings.replyDomain
    ? new RegExp(`^reply\\+(${UUID})@${escapeRegExp(settings.replyDomain.toLowerCase())}$`)
    : undefined;
  const replyAddresses = replyAddress
    ? [...addressesOf(mail.to), ...addressesOf(mail.cc)].flatMap((a) => {
        const id = replyAddress.exec(a)?.[1];
        return id ? [id] : [];
      })
    : [];
  // Without a Message-ID, the content names it: the same mail delivered twice is stored once.
  const externalId = mail.messageId ?? `sha256:${createHash('sha256').update(raw).digest('hex')}`;
  const sentAt = mail.date && storableDate(mail.date) ? mail.date : null;
  const autoReply = isAutoReply(mail.headers, mail.subject);
  return db.transaction(async (tx) => {
    const conversation = await conversationOf(tx, messageIds, replyAddresses);
    if (!conversation) {
      return { matched: false, reason: 'the mail answers no message iris sent' } as const;
    }
    const recorded = await recordReply(
      tx,
      conversation,
      {
        subject: mail.subject ?? null,
        text: (mail.text ?? '').trim(),
        externalId,
        sentAt,
        autoReply,
      },
      now,
    );
    return { matched: true, conversationId: conversation.id, autoReply, ...recorded } as const;
  });
}
