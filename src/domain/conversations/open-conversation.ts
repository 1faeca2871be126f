/**
 * Opening a conversation (a first message sent to a contact on a channel, or a first DM from them) and
 * recording conversation.created with it, in the caller's transaction.
 */
import type { Db } from '../../../db/client.ts';
import { conversations } from '../../../db/schema-contacts.ts';
import { emit } from '../events/emit.ts';

export interface NewConversation {
  userId: string;
  agentIdentityId: string | null;
  contactId: string;
  campaignId: string | null;
  channel: string;
}

export async function openConversation(
  tx: Db,
  conversation: NewConversation,
  now: Date,
): Promise<typeof conversations.$inferSelect> {
  const [row] = await tx
    .insert(conversations)
    .values({ ...conversation, createdAt: now, updatedAt: now })
    .returning();
  if (!row) throw new Error('conversation insert returned nothing');
  await emit(
    tx,
    { userId: row.userId, agentIdentityId: row.agentIdentityId },
    'conversation.created',
    { id: row.id, contact_id: row.contactId, campaign_id: row.campaignId, channel: row.channel },
    now,
  );
  return row;
}
