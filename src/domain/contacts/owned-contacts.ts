/**
 * Which contacts a principal may see: its account's, or, for an agent key, its identity's; never
 * deleted ones. Everything else is "not found" (CONTACT_001).
 */
import { and, eq, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { contacts } from '../../../db/schema-contacts.ts';
import { ApiError } from '../../errors/api-error.ts';
import { userIdOf } from '../api-keys/owned-key.ts';
import { agentIdentityOf, type Principal } from '../principal.ts';

const Uuid = z.uuid();

/** The path parameter naming one contact. */
export const ContactIdInput = { id: z.string().describe('contact id') };

/** Owner condition without the deleted filter (an import may bring a deleted contact back). */
export function contactOwner(principal: Principal): SQL {
  const identity = agentIdentityOf(principal);
  return (
    identity
      ? eq(contacts.agentIdentityId, identity)
      : and(eq(contacts.userId, userIdOf(principal)), isNull(contacts.agentIdentityId))
  ) as SQL;
}

export function ownedContacts(principal: Principal): SQL {
  return and(contactOwner(principal), isNull(contacts.deletedAt)) as SQL;
}

/** Contact `id` if the principal may see it; an id that cannot name a contact is CONTACT_001 at once. */
export function ownedContact(principal: Principal, id: string): SQL {
  if (!Uuid.safeParse(id).success) throw new ApiError('CONTACT_001');
  return and(eq(contacts.id, id), ownedContacts(principal)) as SQL;
}
