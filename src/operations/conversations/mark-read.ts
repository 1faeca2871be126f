import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { conversations } from '../../../db/schema-contacts.ts';
import { Conversation, toConversation } from '../../domain/conversations/conversation-view.ts';
import {
  ConversationIdInput,
  conversationNotFound,
  visibleConversation,
} from '../../domain/conversations/owned-conversations.ts';
import { defineOperation } from '../define-operation.ts';

export const conversationsMarkRead = defineOperation({
  id: 'conversations.mark_read',
  method: 'POST',
  path: '/conversations/:id/read',
  summary:
    'mark a conversation as read (its unread count becomes 0); marking a read one again changes nothing',
  scope: 'write',
  audit: 'mark_conversation_read',
  errors: ['CONVERSATION_001'],
  input: z.object(ConversationIdInput),
  output: Conversation,
  handler: async (ctx, input) => {
    const condition = visibleConversation(ctx.principal, input.id);
    // A conversation already read keeps its updated_at: a repeated call changes nothing.
    const [row] = await ctx.db
      .update(conversations)
      .set({
        unreadCount: 0,
        updatedAt: sql`case when ${conversations.unreadCount} > 0 then ${ctx.now.toISOString()}::timestamptz else ${conversations.updatedAt} end`,
      })
      .where(condition)
      .returning();
    if (!row) throw conversationNotFound();
    return { data: toConversation(row) };
  },
});
