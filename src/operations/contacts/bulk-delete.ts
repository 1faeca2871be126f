import { and, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { contacts } from '../../../db/schema-contacts.ts';
import { contactEventData, contactSelection, toContact } from '../../domain/contacts/contact-view.ts';
import { ownedContacts } from '../../domain/contacts/owned-contacts.ts';
import { emitAll, eventOwnerOf } from '../../domain/events/emit.ts';
import { defineOperation } from '../define-operation.ts';

const Uuid = z.uuid();
export const MAX_BULK_DELETE = 500;

export const contactsBulkDelete = defineOperation({
  id: 'contacts.bulk_delete',
  method: 'POST',
  path: '/contacts/bulk-delete',
  summary: `delete up to ${MAX_BULK_DELETE} contacts by id (soft); ids the account has no live contact for are listed as not found`,
  scope: 'write',
  rateLimit: 'contactMutations',
  audit: 'bulk_delete_contacts',
  destructive: true,
  input: z.strictObject({
    ids: z.array(z.string().max(100)).min(1).max(MAX_BULK_DELETE).describe('contact ids'),
  }),
  output: z.object({
    deleted: z.array(z.uuid()),
    not_found: z.array(z.string()).describe('ids that name no live contact of the account'),
  }),
  handler: async (ctx, input) => {
    const wanted = [...new Set(input.ids)];
    const ids = wanted.filter((id) => Uuid.safeParse(id).success);
    const rows =
      ids.length === 0
        ? []
        : await ctx.db
            .update(contacts)
            .set({ deletedAt: ctx.now, updatedAt: ctx.now })
            .where(and(inArray(contacts.id, ids), ownedContacts(ctx.principal)))
            .returning(contactSelection);
    const deleted = new Set(rows.map((row) => row.id));
    await emitAll(
      ctx.db,
      eventOwnerOf(ctx.principal),
      'contact.deleted',
      rows.map((row) => contactEventData(toContact(row), null)),
      ctx.now,
    );
    const order = wanted.filter((id) => deleted.has(id));
    return {
      data: { deleted: order, not_found: wanted.filter((id) => !deleted.has(id)) },
      resourceId: order.length === 1 ? order[0] : undefined,
      auditMetadata: { deleted: order, not_found: wanted.length - order.length },
    };
  },
});
