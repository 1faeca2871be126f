/**
 * A contact as the API shows it, and its input fields. Emails are stored lower-cased and trimmed; handles
 * without their leading `@`. A contact is reachable on at least one channel: it has an email, an
 * Instagram handle or an X handle (the database holds the rule as a check constraint).
 */
import { getTableColumns, sql } from 'drizzle-orm';
import { z } from 'zod';
import { contacts } from '../../../db/schema-contacts.ts';
import { ApiError } from '../../errors/api-error.ts';
import { Timestamp } from '../timestamps.ts';

export const MAX_ATTRIBUTES = 50;
export const MAX_TAGS = 50;

const Text = z.string().trim().min(1).max(200);
const Handle = (pattern: RegExp, what: string) =>
  z
    .string()
    .trim()
    .transform((handle) => handle.replace(/^@/, ''))
    .pipe(z.string().regex(pattern, what));
const InstagramHandle = Handle(
  /^[A-Za-z0-9._]{1,30}$/,
  'an Instagram username: 1-30 letters, digits, . or _',
);
const XHandle = Handle(/^[A-Za-z0-9_]{1,15}$/, 'an X username: 1-15 letters, digits or _');
const Attributes = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'attribute names are identifiers, e.g. venue_name'),
    z.string().max(2000),
  )
  .refine((map) => Object.keys(map).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`)
  .describe('string values for {{variables}} in messages, e.g. {"venue_name": "Blue Room"}');
const Tags = z
  .array(z.string().trim().min(1).max(100))
  .max(MAX_TAGS)
  .transform((tags) => [...new Set(tags)]);
const Source = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,31}$/, 'a snake_case identifier such as import or crm')
  .describe('where the contact came from, e.g. api, import, discovery');

/** What a contact is made of on input; `email` is checked apart, so a bad one answers CONTACT_003. */
export const ContactFields = {
  email: z.string().max(320).optional().describe('stored lower-cased and trimmed; the contact’s identity'),
  first_name: Text.optional(),
  last_name: Text.optional(),
  company: Text.optional(),
  title: Text.optional(),
  phone: z.string().trim().min(3).max(40).optional(),
  website: z.string().trim().min(3).max(500).optional(),
  instagram_handle: InstagramHandle.optional(),
  x_handle: XHandle.optional(),
  location: Text.optional(),
  source: Source.optional(),
  attributes: Attributes.optional(),
  tags: Tags.optional(),
};
export const ContactInput = z.strictObject(ContactFields);
export type ContactInput = z.output<typeof ContactInput>;

/** What an update may change; null clears an optional field. Attributes and tags are replaced whole. */
export const ContactChanges = {
  email: ContactFields.email.unwrap().nullable().optional(),
  first_name: Text.nullable().optional(),
  last_name: Text.nullable().optional(),
  company: Text.nullable().optional(),
  title: Text.nullable().optional(),
  phone: ContactFields.phone.unwrap().nullable().optional(),
  website: ContactFields.website.unwrap().nullable().optional(),
  instagram_handle: InstagramHandle.nullable().optional(),
  x_handle: XHandle.nullable().optional(),
  location: Text.nullable().optional(),
  attributes: Attributes.optional(),
  tags: Tags.optional(),
  unsubscribed: z
    .boolean()
    .optional()
    .describe('true marks the contact opted out: nothing more is sent to it'),
};

const EMAIL = z.email();

/** The stored form of an email (lower-cased, trimmed), or undefined when it is not an email address. */
export function normalEmail(raw: string): string | undefined {
  const email = raw.trim().toLowerCase();
  return EMAIL.safeParse(email).success ? email : undefined;
}

/** normalEmail, answering CONTACT_003 for what is not an email address. */
export function emailOrRefuse(raw: string): string {
  const email = normalEmail(raw);
  if (email === undefined) throw new ApiError('CONTACT_003', `invalid email address: ${JSON.stringify(raw)}`);
  return email;
}

/** A contact needs one way to reach it. */
export function reachable(fields: {
  email?: unknown;
  instagram_handle?: unknown;
  x_handle?: unknown;
}): boolean {
  return Boolean(fields.email ?? fields.instagram_handle ?? fields.x_handle);
}
export const UNREACHABLE = 'a contact needs an email, instagram_handle or x_handle';

export const Contact = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  company: z.string().nullable(),
  title: z.string().nullable(),
  phone: z.string().nullable(),
  website: z.string().nullable(),
  instagram_handle: z.string().nullable(),
  x_handle: z.string().nullable(),
  location: z.string().nullable(),
  source: z.string(),
  attributes: z.record(z.string(), z.string()),
  tags: z.array(z.string()),
  campaign_ids: z.array(z.uuid()).describe('the campaigns the contact is in'),
  unsubscribed_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
  deleted_at: Timestamp.nullable(),
});
export type Contact = z.infer<typeof Contact>;

const { searchText: _searchText, ...columns } = getTableColumns(contacts);

/**
 * The columns a view is made from: the row and the ids of the (live) campaigns it is in. The subquery
 * names `contacts.id` itself: drizzle writes a lone table's columns unqualified, and a bare `id` there
 * would be the campaign's.
 */
export const contactSelection = {
  ...columns,
  campaignIds: sql<string[]>`array(
    select cc.campaign_id from campaign_contacts cc join campaigns k on k.id = cc.campaign_id
    where cc.contact_id = contacts.id and k.deleted_at is null order by cc.created_at, cc.campaign_id)`,
};

export type ContactRow = Omit<typeof contacts.$inferSelect, 'searchText'> & { campaignIds: string[] };

export function toContact(row: ContactRow): Contact {
  return {
    id: row.id,
    email: row.email,
    first_name: row.firstName,
    last_name: row.lastName,
    company: row.company,
    title: row.title,
    phone: row.phone,
    website: row.website,
    instagram_handle: row.instagramHandle,
    x_handle: row.xHandle,
    location: row.location,
    source: row.source,
    attributes: row.attributes,
    tags: row.tags,
    campaign_ids: row.campaignIds,
    unsubscribed_at: row.unsubscribedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    deleted_at: row.deletedAt?.toISOString() ?? null,
  };
}

/** The `data` of contact events. */
export function contactEventData(contact: Contact, campaignId: string | null) {
  return {
    id: contact.id,
    email: contact.email,
    first_name: contact.first_name,
    last_name: contact.last_name,
    company: contact.company,
    source: contact.source,
    campaign_id: campaignId,
  };
}
