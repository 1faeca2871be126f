import { z } from 'zod';
import { contacts } from '../../../db/schema-contacts.ts';
import {
  Contact,
  contactEventData,
  contactSelection,
  toContact,
} from '../../domain/contacts/contact-view.ts';
import { ContactIdInput, ownedContact } from '../../domain/contacts/owned-contacts.ts';
import { emit, eventOwnerOf } from '../../domain/events/emit.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const contactsDelete = defineOperation({
  id: 'contacts.delete',
  method: 'DELETE',
  path: '/contacts/:id',
  summary: 'delete a contact (soft: deleted_at is set, and reads then answer 404 CONTACT_001)',
  scope: 'write',
  rateLimit: 'contactMutations',
  audit: 'delete_contact',
  destructive: true,
  errors: ['CONTACT_001'],
  input: z.object(ContactIdInput),
  output: Contact,
  handler: async (ctx, input) => {
    const [row] = await ctx.db
      .update(contacts)
      .set({ deletedAt: ctx.now, updatedAt: ctx.now })
      .where(ownedContact(ctx.principal, input.id))
      .returning(contactSelection);
    if (!row) throw new ApiError('CONTACT_001');
    const contact = toContact(row);
    await emit(
      ctx.db,
      eventOwnerOf(ctx.principal),
      'contact.deleted',
      contactEventData(contact, null),
      ctx.now,
    );
    return { data: contact };
  },
});
