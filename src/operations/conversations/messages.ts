import { z } from 'zod';
import { conversationMessagesPage } from '../../domain/conversations/chronological-page.ts';
import {
  ConversationIdInput,
  visibleConversationId,
} from '../../domain/conversations/owned-conversations.ts';
import { Message, toMessage } from '../../domain/messages/message-view.ts';
import { PaginationInput } from '../../domain/pagination.ts';
import { defineOperation } from '../define-operation.ts';

export const conversationsMessages = defineOperation({
  id: 'conversations.messages',
  method: 'GET',
  path: '/conversations/:id/messages',
  summary:
    'list the messages of a conversation in the order they happened (oldest first), ours and the contact’s replies',
  scope: 'read',
  paginated: true,
  errors: ['CONVERSATION_001'],
  input: z.object({ ...ConversationIdInput, ...PaginationInput }),
  output: z.array(Message),
  handler: async (ctx, input) => {
    const conversationId = await visibleConversationId(ctx.db, ctx.principal, input.id);
    const page = await conversationMessagesPage(ctx.db, conversationId, input);
    return { data: page.rows.map(toMessage), meta: { pagination: page.pagination } };
  },
});
