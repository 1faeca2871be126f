import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { contacts, conversations } from '../../../db/schema-contacts.ts';
import { ContactIdInput, ownedContact } from '../../domain/contacts/owned-contacts.ts';
import { Conversation, toConversation } from '../../domain/conversations/conversation-view.ts';
import { afterCursor, PaginationInput, pageOf } from '../../domain/pagination.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const contactsConversations = defineOperation({
  id: 'contacts.conversations',
  method: 'GET',
  path: '/contacts/:id/conversations',
  summary: 'list the conversations held with a contact, newest first',
  scope: 'read',
  paginated: true,
  errors: ['CONTACT_001'],
  input: z.object({ ...ContactIdInput, ...PaginationInput }),
  output: z.array(Conversation),
  handler: async (ctx, input) => {
    const [contact] = await ctx.db
      .select({ id: contacts.id })
      .from(contacts)
      .where(ownedContact(ctx.principal, input.id));
    if (!contact) throw new ApiError('CONTACT_001');
    const rows = await ctx.db
      .select()
      .from(conversations)
      .where(
        and(
          eq(conversations.contactId, contact.id),
          afterCursor(input.cursor, conversations.createdAt, conversations.id),
        ),
      )
      .orderBy(desc(conversations.createdAt), desc(conversations.id))
      .limit(input.limit + 1);
    const page = pageOf(rows, input.limit);
    return { data: page.rows.map(toConversation), meta: { pagination: page.pagination } };
  },
});
