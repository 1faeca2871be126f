/**
 * Turns discovered records into contacts of their owner (and members of a campaign), source `discovery`,
 * tagged with the discovery source they came from (`sample` marks made-up ones). A record becomes a
 * contact only if it passes the contact rules (reachable by email, Instagram or X; valid fields); the
 * others stay results only.
 *
 * Contacts are merged on email as every create is (upsertContacts). A record without an email is matched
 * by its Instagram or X handle to a contact the owner has, so running a search again adds nothing twice:
 * it merges into that contact when the contact has an email, and is only linked to the campaign when not.
 * A contact the owner deleted is not brought back by discovery: records naming its email are skipped.
 */
import { and, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { campaignContacts, contacts } from '../../../db/schema-contacts.ts';
import type { FoundContact } from '../../integrations/discovery/discovery-port.ts';
import { type Contact, ContactInput, contactSelection, toContact } from '../contacts/contact-view.ts';
import { prepareContact } from '../contacts/prepare-contact.ts';
import { type PreparedContact, type UpsertedContact, upsertContacts } from '../contacts/upsert-contacts.ts';
import type { EventOwner } from '../events/emit.ts';

export const DISCOVERY_CONTACT_SOURCE = 'discovery';

const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_ATTRIBUTES = 50;

const cut = (value: string | null, max: number) => {
  const trimmed = value?.trim();
  return trimmed ? trimmed.slice(0, max) : undefined;
};

/** The contact a record would be, or undefined when it cannot be one. */
export function contactOf(found: FoundContact): PreparedContact | undefined {
  const attributes = Object.fromEntries(
    Object.entries(found.attributes)
      .filter(([name, value]) => ATTRIBUTE_NAME.test(name) && typeof value === 'string')
      .slice(0, MAX_ATTRIBUTES)
      .map(([name, value]) => [name, value.slice(0, 2000)]),
  );
  const candidate = Object.fromEntries(
    Object.entries({
      email: cut(found.email, 320),
      first_name: cut(found.firstName, 200),
      last_name: cut(found.lastName, 200),
      company: cut(found.company, 200),
      title: cut(found.title, 200),
      phone: cut(found.phone, 40),
      website: cut(found.website, 500),
      instagram_handle: cut(found.instagramHandle, 31),
      x_handle: cut(found.xHandle, 16),
      location: cut(found.location, 200),
      source: DISCOVERY_CONTACT_SOURCE,
      attributes,
      tags: [found.source],
    }).filter(([, value]) => value !== undefined),
  );
  const parsed = ContactInput.safeParse(candidate);
  if (!parsed.success) return undefined;
  const prepared = prepareContact(parsed.data);
  return prepared.ok ? prepared.row : undefined;
}

interface Known {
  id: string;
  email: string | null;
  instagramHandle: string | null;
  xHandle: string | null;
  deleted: boolean;
}

/** The owner's contacts that have one of these emails (deleted ones too) or handles (live ones). */
async function knownContacts(tx: Db, owner: EventOwner, rows: readonly PreparedContact[]): Promise<Known[]> {
  const emails = rows.flatMap((row) => (row.email ? [row.email] : []));
  const handleless = rows.filter((row) => !row.email);
  const instagram = handleless.flatMap((row) =>
    row.instagram_handle ? [row.instagram_handle.toLowerCase()] : [],
  );
  const x = handleless.flatMap((row) => (row.x_handle ? [row.x_handle.toLowerCase()] : []));
  if (emails.length + instagram.length + x.length === 0) return [];
  const ownerIs =
    owner.agentIdentityId === null
      ? sql`${contacts.userId} = ${owner.userId} and ${contacts.agentIdentityId} is null`
      : sql`${contacts.agentIdentityId} = ${owner.agentIdentityId}`;
  const byHandle = or(
    instagram.length > 0 ? inArray(sql`lower(${contacts.instagramHandle})`, instagram) : undefined,
    x.length > 0 ? inArray(sql`lower(${contacts.xHandle})`, x) : undefined,
  );
  const rowsFound = await tx
    .select({
      id: contacts.id,
      email: contacts.email,
      instagramHandle: contacts.instagramHandle,
      xHandle: contacts.xHandle,
      deletedAt: contacts.deletedAt,
    })
    .from(contacts)
    .where(
      and(
        ownerIs,
        or(
          emails.length > 0 ? and(isNotNull(contacts.email), inArray(contacts.email, emails)) : undefined,
          byHandle ? and(sql`${contacts.deletedAt} is null`, byHandle) : undefined,
        ),
      ),
    );
  return rowsFound.map((row) => ({ ...row, deleted: row.deletedAt !== null }));
}

export interface FoundContactsAdded {
  /** The contacts created or merged, in the order of the records that became them. */
  added: UpsertedContact[];
  /** For each record, the contact it became (null: not a valid contact, or a deleted one's email). */
  contactIds: (string | null)[];
}

export async function addFoundContacts(
  tx: Db,
  owner: EventOwner,
  found: readonly FoundContact[],
  options: { now: Date; campaignId: string | null },
): Promise<FoundContactsAdded> {
  const prepared = found.map(contactOf);
  const known = await knownContacts(
    tx,
    owner,
    prepared.filter((row): row is PreparedContact => row !== undefined),
  );
  const deletedEmails = new Set(known.filter((k) => k.deleted && k.email).map((k) => k.email as string));
  const live = known.filter((k) => !k.deleted);
  const byHandle = (row: PreparedContact) =>
    live.find(
      (k) =>
        (row.instagram_handle && k.instagramHandle?.toLowerCase() === row.instagram_handle.toLowerCase()) ||
        (row.x_handle && k.xHandle?.toLowerCase() === row.x_handle.toLowerCase()),
    );

  const upserts: PreparedContact[] = [];
  const upsertOf: (number | undefined)[] = [];
  const linkOnly = new Map<number, string>();
  prepared.forEach((row, index) => {
    if (!row || (row.email && deletedEmails.has(row.email))) return;
    if (!row.email) {
      const match = byHandle(row);
      if (match && !match.email) {
        linkOnly.set(index, match.id);
        return;
      }
      // Merged into the contact with that handle through its email.
      if (match?.email) row.email = match.email;
    }
    upsertOf[index] = upserts.length;
    upserts.push(row);
  });

  const upserted = await upsertContacts(tx, owner, upserts, {
    now: options.now,
    source: DISCOVERY_CONTACT_SOURCE,
    campaignId: options.campaignId,
  });
  const linked = await linkExisting(tx, [...new Set(linkOnly.values())], options);
  const added: UpsertedContact[] = [];
  const seen = new Set<string>();
  const contactIds = found.map((_, index) => {
    const at = upsertOf[index];
    const outcome =
      at !== undefined
        ? upserted[at]
        : linkOnly.has(index)
          ? { contact: linked.get(linkOnly.get(index) as string) as Contact, result: 'merged' as const }
          : undefined;
    if (!outcome?.contact) return null;
    if (!seen.has(outcome.contact.id)) {
      seen.add(outcome.contact.id);
      added.push(outcome);
    }
    return outcome.contact.id;
  });
  return { added, contactIds };
}

/** Adds existing contacts to the campaign (once) and answers their views. */
async function linkExisting(
  tx: Db,
  ids: readonly string[],
  options: { now: Date; campaignId: string | null },
): Promise<Map<string, Contact>> {
  if (ids.length === 0) return new Map();
  if (options.campaignId) {
    await tx
      .insert(campaignContacts)
      .values(
        ids.map((contactId) => ({
          campaignId: options.campaignId as string,
          contactId,
          createdAt: options.now,
        })),
      )
      .onConflictDoNothing();
  }
  const rows = await tx
    .select(contactSelection)
    .from(contacts)
    .where(inArray(contacts.id, [...ids]));
  return new Map(rows.map((row) => [row.id, toContact(row)]));
}
