/**
 * Creating contacts is idempotent on email: a row whose email the owner already has merges into that
 * contact (fields given replace the stored ones, attributes are merged key by key, tags are added, a
 * deleted contact comes back; an opt-out is never undone). Any number of rows (an import of up to 500)
 * is written in one statement: the upsert, the campaign links and the contact events, so a rolled-back
 * transaction leaves none of them.
 */
import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../../db/client.ts';
import type { EventOwner } from '../events/emit.ts';
import { type Contact, type ContactInput, type ContactRow, toContact } from './contact-view.ts';

/** A valid input row with its email already in stored form. */
export type PreparedContact = ContactInput;

export interface UpsertedContact {
  contact: Contact;
  /** created: a new contact; merged: folded into one the owner had, or into an earlier row of the batch. */
  result: 'created' | 'merged';
}

const TEXT_FIELDS = [
  'first_name',
  'last_name',
  'company',
  'title',
  'phone',
  'website',
  'instagram_handle',
  'x_handle',
  'location',
] as const;

/** Rows naming the same email become one, later values winning, as the database would merge them. */
function foldDuplicates(rows: readonly PreparedContact[]): { folded: PreparedContact[]; target: number[] } {
  const folded: PreparedContact[] = [];
  const byEmail = new Map<string, number>();
  const target = rows.map((row) => {
    const at = row.email === undefined ? undefined : byEmail.get(row.email);
    if (at === undefined) {
      if (row.email !== undefined) byEmail.set(row.email, folded.length);
      folded.push(row);
      return folded.length - 1;
    }
    const earlier = folded[at] as PreparedContact;
    const merged: PreparedContact = { ...earlier };
    for (const field of TEXT_FIELDS) if (row[field] !== undefined) merged[field] = row[field];
    if (row.attributes) merged.attributes = { ...earlier.attributes, ...row.attributes };
    if (row.tags) merged.tags = [...new Set([...(earlier.tags ?? []), ...row.tags])];
    folded[at] = merged;
    return at;
  });
  return { folded, target };
}

type Stamp = 'createdAt' | 'updatedAt' | 'deletedAt' | 'unsubscribedAt';

/** A row as the raw statement answers it: timestamps as PostgreSQL's text (drizzle's driver leaves them so). */
interface UpsertRow extends Omit<ContactRow, Stamp> {
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  unsubscribedAt: string | null;
  created: boolean;
}

const dateOf = (text: string | null) => (text === null ? null : new Date(text));

export async function upsertContacts(
  db: Db,
  owner: EventOwner,
  rows: readonly PreparedContact[],
  options: { now: Date; source: string; campaignId: string | null },
): Promise<UpsertedContact[]> {
  if (rows.length === 0) return [];
  const { folded, target } = foldDuplicates(rows);
  const ids = folded.map(() => randomUUID());
  const input = folded.map((row, i) => ({ ...row, id: ids[i], source: row.source ?? options.source }));
  const conflict: SQL =
    owner.agentIdentityId === null
      ? sql`(user_id, email) where agent_identity_id is null and email is not null`
      : sql`(agent_identity_id, email) where agent_identity_id is not null and email is not null`;
  const campaignId = options.campaignId;
  const now = options.now.toISOString();
  const upserted = await queryRows<UpsertRow>(
    db,
    sql`with input as (
      select * from rows from (jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as (
        id uuid, email text, first_name text, last_name text, company text, title text, phone text,
        website text, instagram_handle text, x_handle text, location text, source text,
        attributes jsonb, tags text[])) with ordinality as r
    ), upserted as (
      insert into contacts as c (id, user_id, agent_identity_id, email, first_name, last_name, company,
        title, phone, website, instagram_handle, x_handle, location, source, attributes, tags,
        created_at, updated_at)
      select id, ${owner.userId}::uuid, ${owner.agentIdentityId}::uuid, email, first_name, last_name,
        company, title, phone, website, instagram_handle, x_handle, location, source,
        coalesce(attributes, '{}'::jsonb), coalesce(tags, '{}'::text[]), ${now}::timestamptz, ${now}::timestamptz
      from input order by ordinality
      on conflict ${conflict} do update set
        first_name = coalesce(excluded.first_name, c.first_name),
        last_name = coalesce(excluded.last_name, c.last_name),
        company = coalesce(excluded.company, c.company),
        title = coalesce(excluded.title, c.title),
        phone = coalesce(excluded.phone, c.phone),
        website = coalesce(excluded.website, c.website),
        instagram_handle = coalesce(excluded.instagram_handle, c.instagram_handle),
        x_handle = coalesce(excluded.x_handle, c.x_handle),
        location = coalesce(excluded.location, c.location),
        attributes = c.attributes || excluded.attributes,
        tags = array(select t from unnest(c.tags || excluded.tags) with ordinality as x(t, n)
          group by t order by min(n)),
        deleted_at = null,
        updated_at = excluded.updated_at
      returning c.*, (xmax = 0) as created
    ), linked as (
      insert into campaign_contacts (campaign_id, contact_id, created_at)
      select ${campaignId}::uuid, id, ${now}::timestamptz from upserted where ${campaignId}::uuid is not null
      on conflict do nothing
    ), emitted as (
      insert into events (user_id, agent_identity_id, type, data, occurred_at, created_at)
      select user_id, agent_identity_id,
        case when created then 'contact.created' else 'contact.updated' end,
        jsonb_build_object('id', id, 'email', email, 'first_name', first_name, 'last_name', last_name,
          'company', company, 'source', source, 'campaign_id', ${campaignId}::uuid),
        ${now}::timestamptz, ${now}::timestamptz
      from upserted
    )
    select u.id, u.user_id as "userId", u.agent_identity_id as "agentIdentityId", u.email,
      u.first_name as "firstName", u.last_name as "lastName", u.company, u.title, u.phone, u.website,
      u.instagram_handle as "instagramHandle", u.x_handle as "xHandle", u.location, u.source,
      u.attributes, u.tags, u.unsubscribed_at as "unsubscribedAt", u.created_at as "createdAt",
      u.updated_at as "updatedAt", u.deleted_at as "deletedAt", u.created,
      array(select cc.campaign_id from campaign_contacts cc join campaigns k on k.id = cc.campaign_id
        where cc.contact_id = u.id and k.deleted_at is null order by cc.created_at, cc.campaign_id)
        as "campaignIds"
    from upserted u`,
  );
  const byId = new Map<string, UpsertRow>();
  const byEmail = new Map<string, UpsertRow>();
  for (const row of upserted) {
    byId.set(row.id, row);
    if (row.email !== null) byEmail.set(row.email, row);
  }
  const views = folded.map((row, i) => {
    const stored = byId.get(ids[i] as string) ?? (row.email ? byEmail.get(row.email) : undefined);
    if (!stored) throw new Error('an upserted contact is missing from the statement’s answer');
    // Links made by this statement are not visible to its own subquery.
    const campaignIds =
      campaignId && !stored.campaignIds.includes(campaignId)
        ? [...stored.campaignIds, campaignId]
        : stored.campaignIds;
    const contact = toContact({
      ...stored,
      campaignIds,
      createdAt: new Date(stored.createdAt),
      updatedAt: new Date(stored.updatedAt),
      deletedAt: dateOf(stored.deletedAt),
      unsubscribedAt: dateOf(stored.unsubscribedAt),
    });
    return { contact, created: stored.created };
  });
  const seen = new Set<number>();
  return target.map((at) => {
    const view = views[at] as { contact: Contact; created: boolean };
    const first = !seen.has(at);
    seen.add(at);
    return { contact: view.contact, result: first && view.created ? 'created' : 'merged' };
  });
}
