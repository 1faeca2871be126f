/**
 * A conversation as the API shows it: one thread with one contact on one channel. Lists and reads of
 * one conversation add a summary of the contact it is held with.
 */
import { z } from 'zod';
import type { conversations } from '../../../db/schema-contacts.ts';
import { CHANNELS } from '../campaigns/channels.ts';
import { Timestamp } from '../timestamps.ts';

export const Conversation = z.object({
  id: z.uuid(),
  contact_id: z.uuid(),
  campaign_id: z.uuid().nullable(),
  channel: z.enum(CHANNELS),
  unread_count: z.number().int().describe('inbound messages not yet read'),
  last_message_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Conversation = z.infer<typeof Conversation>;

export function toConversation(row: typeof conversations.$inferSelect): Conversation {
  return {
    id: row.id,
    contact_id: row.contactId,
    campaign_id: row.campaignId,
    channel: row.channel as Conversation['channel'],
    unread_count: row.unreadCount,
    last_message_at: row.lastMessageAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export const ConversationContact = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  company: z.string().nullable(),
  instagram_handle: z.string().nullable(),
  x_handle: z.string().nullable(),
});
export type ConversationContact = z.infer<typeof ConversationContact>;

/** A conversation in a list: the thread and who it is with. */
export const ConversationWithContact = Conversation.extend({ contact: ConversationContact });
export type ConversationWithContact = z.infer<typeof ConversationWithContact>;
