/**
 * One page of the contacts a principal sees, newest first: optionally those of one campaign, optionally
 * matching a search. The search is a substring match on names, email, company and handles, served by a
 * trigram index (contacts_search_idx), so it does not read every contact of the account.
 */
import { and, desc, eq, exists, like, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { campaignContacts, contacts } from '../../../db/schema-contacts.ts';
import { afterCursor } from '../pagination.ts';
import type { Principal } from '../principal.ts';
import { contactSelection } from './contact-view.ts';
import { ownedContacts } from './owned-contacts.ts';

export const ContactSearch = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .describe('text found in the name, email, company or a handle (case-insensitive)');

/** A LIKE pattern matching `text` anywhere, its own wildcards taken literally. */
function containing(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function contactsPageQuery(
  db: Db,
  principal: Principal,
  input: {
    search?: string | undefined;
    campaignId?: string | null | undefined;
    cursor?: string | undefined;
    limit: number;
  },
) {
  return db
    .select(contactSelection)
    .from(contacts)
    .where(
      and(
        ownedContacts(principal),
        input.search ? like(contacts.searchText, containing(input.search)) : undefined,
        input.campaignId
          ? exists(
              db
                .select({ one: sql`1` })
                .from(campaignContacts)
                .where(
                  and(
                    eq(campaignContacts.contactId, contacts.id),
                    eq(campaignContacts.campaignId, input.campaignId),
                  ),
                ),
            )
          : undefined,
        afterCursor(input.cursor, contacts.createdAt, contacts.id),
      ),
    )
    .orderBy(desc(contacts.createdAt), desc(contacts.id))
    .limit(input.limit + 1);
}
