import { z } from 'zod';
import { contacts } from '../../../db/schema-contacts.ts';
import { Contact, contactSelection, toContact } from '../../domain/contacts/contact-view.ts';
import { ContactIdInput, ownedContact } from '../../domain/contacts/owned-contacts.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const contactsGet = defineOperation({
  id: 'contacts.get',
  method: 'GET',
  path: '/contacts/:id',
  summary: 'get a specific contact',
  scope: 'read',
  errors: ['CONTACT_001'],
  input: z.object(ContactIdInput),
  output: Contact,
  handler: async (ctx, input) => {
    const [row] = await ctx.db
      .select(contactSelection)
      .from(contacts)
      .where(ownedContact(ctx.principal, input.id))
      .limit(1);
    if (!row) throw new ApiError('CONTACT_001');
    return { data: toContact(row) };
  },
});
