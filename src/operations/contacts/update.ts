import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { contacts } from '../../../db/schema-contacts.ts';
import { sqlState } from '../../../db/sql-state.ts';
import {
  Contact,
  ContactChanges,
  type ContactRow,
  contactEventData,
  contactSelection,
  emailOrRefuse,
  toContact,
  UNREACHABLE,
} from '../../domain/contacts/contact-view.ts';
import { ContactIdInput, ownedContact } from '../../domain/contacts/owned-contacts.ts';
import { emit, eventOwnerOf } from '../../domain/events/emit.ts';
import { withdrawUnsent } from '../../domain/sending/suppression.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const contactsUpdate = defineOperation({
  id: 'contacts.update',
  method: 'PATCH',
  path: '/contacts/:id',
  summary: 'update a contact: fields given replace the stored ones, null clears one',
  scope: 'write',
  rateLimit: 'contactMutations',
  audit: 'update_contact',
  errors: ['CONTACT_001', 'CONTACT_003'],
  input: z.strictObject({ ...ContactIdInput, ...ContactChanges }),
  output: Contact,
  handler: async (ctx, input) => {
    const { id, ...fields } = input;
    const changes = {
      ...(fields.email !== undefined
        ? { email: fields.email === null ? null : emailOrRefuse(fields.email) }
        : {}),
      ...(fields.first_name !== undefined ? { firstName: fields.first_name } : {}),
      ...(fields.last_name !== undefined ? { lastName: fields.last_name } : {}),
      ...(fields.company !== undefined ? { company: fields.company } : {}),
      ...(fields.title !== undefined ? { title: fields.title } : {}),
      ...(fields.phone !== undefined ? { phone: fields.phone } : {}),
      ...(fields.website !== undefined ? { website: fields.website } : {}),
      ...(fields.instagram_handle !== undefined ? { instagramHandle: fields.instagram_handle } : {}),
      ...(fields.x_handle !== undefined ? { xHandle: fields.x_handle } : {}),
      ...(fields.location !== undefined ? { location: fields.location } : {}),
      ...(fields.attributes !== undefined ? { attributes: fields.attributes } : {}),
      ...(fields.tags !== undefined ? { tags: fields.tags } : {}),
      ...(fields.unsubscribed === false ? { unsubscribedAt: null, unsubscribeReason: null } : {}),
      // Already on the list: it keeps the first time and reason.
      ...(fields.unsubscribed === true
        ? {
            unsubscribedAt: sql`coalesce(${contacts.unsubscribedAt}, ${ctx.now.toISOString()}::timestamptz)`,
            unsubscribeReason: sql`coalesce(${contacts.unsubscribeReason}, 'manual')`,
          }
        : {}),
    };
    let row: ContactRow | undefined;
    try {
      [row] = await ctx.db
        .update(contacts)
        .set({ ...changes, updatedAt: ctx.now })
        .where(ownedContact(ctx.principal, id))
        .returning(contactSelection);
    } catch (error) {
      const state = sqlState(error);
      if (state === '23505')
        throw new ApiError('SERVER_005', 'another contact of the account has this email');
      if (state === '23514') throw new ApiError('SERVER_005', UNREACHABLE);
      throw error;
    }
    if (!row) throw new ApiError('CONTACT_001');
    if (fields.unsubscribed === true) {
      await withdrawUnsent(ctx.db, row.id, 'cancelled: contact unsubscribed', ctx.now);
    }
    const contact = toContact(row);
    await emit(
      ctx.db,
      eventOwnerOf(ctx.principal),
      'contact.updated',
      contactEventData(contact, null),
      ctx.now,
    );
    return { data: contact, auditMetadata: { fields: Object.keys(fields).sort() } };
  },
});
