/**
 * Which conversations a principal may see, and the select that reads them with their contact. A
 * conversation is visible to the owner of its row (an account never sees an agent identity's, an agent
 * only its identity's) while its contact is not deleted and its campaign, when it has one, is not
 * deleted either. Everything else, and an id that cannot name a conversation, is CONVERSATION_001.
 */
import { and, eq, getTableColumns, isNull, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { campaigns } from '../../../db/schema.ts';
import { contacts, conversations } from '../../../db/schema-contacts.ts';
import { ApiError } from '../../errors/api-error.ts';
import { userIdOf } from '../api-keys/owned-key.ts';
import { agentIdentityOf, type Principal } from '../principal.ts';
import { type ConversationWithContact, toConversation } from './conversation-view.ts';

const Uuid = z.uuid();

/** The path parameter naming one conversation. */
export const ConversationIdInput = { id: z.string().describe('conversation id') };

export function conversationNotFound(): ApiError {
  return new ApiError('CONVERSATION_001');
}

/** Owner condition on the conversations table. */
export function conversationOwner(principal: Principal): SQL {
  const identity = agentIdentityOf(principal);
  return (
    identity
      ? eq(conversations.agentIdentityId, identity)
      : and(eq(conversations.userId, userIdOf(principal)), isNull(conversations.agentIdentityId))
  ) as SQL;
}

/** The conversations a principal sees: owned, contact not deleted, campaign (if any) not deleted. */
export function visibleConversations(principal: Principal): SQL {
  return and(
    conversationOwner(principal),
    sql`not exists (select 1 from ${contacts} where ${contacts.id} = ${conversations.contactId} and ${contacts.deletedAt} is not null)`,
    sql`not exists (select 1 from ${campaigns} where ${campaigns.id} = ${conversations.campaignId} and ${campaigns.deletedAt} is not null)`,
  ) as SQL;
}

/** Conversation `id` if the principal may see it; an id that cannot name one is CONVERSATION_001 at once. */
export function visibleConversation(principal: Principal, id: string): SQL {
  if (!Uuid.safeParse(id).success) throw conversationNotFound();
  return and(eq(conversations.id, id), visibleConversations(principal)) as SQL;
}

/** Conversation columns with the summary of its contact. */
export const conversationSelection = {
  ...getTableColumns(conversations),
  contactEmail: contacts.email,
  contactFirstName: contacts.firstName,
  contactLastName: contacts.lastName,
  contactCompany: contacts.company,
  contactInstagramHandle: contacts.instagramHandle,
  contactXHandle: contacts.xHandle,
};

export type ConversationRow = typeof conversations.$inferSelect & {
  contactEmail: string | null;
  contactFirstName: string | null;
  contactLastName: string | null;
  contactCompany: string | null;
  contactInstagramHandle: string | null;
  contactXHandle: string | null;
};

/** A select of conversations with their contact; add a where clause. */
export function selectConversations(db: Db) {
  return db
    .select(conversationSelection)
    .from(conversations)
    .innerJoin(contacts, eq(contacts.id, conversations.contactId));
}

export function toConversationWithContact(row: ConversationRow): ConversationWithContact {
  return {
    ...toConversation(row),
    contact: {
      id: row.contactId,
      email: row.contactEmail,
      first_name: row.contactFirstName,
      last_name: row.contactLastName,
      company: row.contactCompany,
      instagram_handle: row.contactInstagramHandle,
      x_handle: row.contactXHandle,
    },
  };
}

/** The id of conversation `id` when the principal may see it, else CONVERSATION_001. */
export async function visibleConversationId(db: Db, principal: Principal, id: string): Promise<string> {
  const [row] = await db
    .select({ id: conversations.id })
    .from(conversations)
    .where(visibleConversation(principal, id));
  if (!row) throw conversationNotFound();
  return row.id;
}
