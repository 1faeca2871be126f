import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { contacts, conversations } from '../../../db/schema-contacts.ts';
import { messages } from '../../../db/schema-messages.ts';
import { ConversationWithContact } from '../../domain/conversations/conversation-view.ts';
import {
  ConversationIdInput,
  conversationNotFound,
  conversationSelection,
  toConversationWithContact,
  visibleConversation,
} from '../../domain/conversations/owned-conversations.ts';
import { defineOperation } from '../define-operation.ts';

const Count = z.number().int();

export const conversationsGet = defineOperation({
  id: 'conversations.get',
  method: 'GET',
  path: '/conversations/:id',
  summary: 'get a conversation with its contact and how many messages went each way',
  scope: 'read',
  errors: ['CONVERSATION_001'],
  input: z.object(ConversationIdInput),
  output: ConversationWithContact.extend({
    message_counts: z
      .object({ inbound: Count, outbound: Count })
      .describe('inbound: replies received; outbound: our messages in the thread'),
  }),
  handler: async (ctx, input) => {
    // The subqueries name the conversation by the id asked for: the where clause keeps it only when visible.
    const [row] = await ctx.db
      .select({
        ...conversationSelection,
        inbound: sql<number>`(select count(*) from ${messages} where ${messages.conversationId} = ${input.id}::uuid and ${messages.direction} = 'inbound')::int`,
        outbound: sql<number>`(select count(*) from ${messages} where ${messages.conversationId} = ${input.id}::uuid and ${messages.direction} = 'outbound')::int`,
      })
      .from(conversations)
      .innerJoin(contacts, eq(contacts.id, conversations.contactId))
      .where(visibleConversation(ctx.principal, input.id));
    if (!row) throw conversationNotFound();
    return {
      data: {
        ...toConversationWithContact(row),
        message_counts: { inbound: row.inbound, outbound: row.outbound },
      },
    };
  },
});
