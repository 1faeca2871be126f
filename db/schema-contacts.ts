/**
 * Contacts (the people a campaign reaches), their links to campaigns, and the conversations held with
 * them. A contact belongs to an account, or to an agent identity when an agent's campaign found it
 * (the same owner rule as campaigns).
 */
import { sql } from 'drizzle-orm';
import {
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { campaigns, users } from './schema.ts';
import { agentIdentities } from './schema-payments.ts';

export const contacts = pgTable(
  'contacts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    agentIdentityId: uuid('agent_identity_id').references(() => agentIdentities.id),
    /** Lower-cased and trimmed; one contact per email and owner. */
    email: text('email'),
    firstName: text('first_name'),
    lastName: text('last_name'),
    company: text('company'),
    title: text('title'),
    phone: text('phone'),
    website: text('website'),
    instagramHandle: text('instagram_handle'),
    xHandle: text('x_handle'),
    location: text('location'),
    /** Where the contact came from: api, import, discovery, ... */
    source: text('source').notNull(),
    /** String map read by `{{variables}}` in message templates. */
    attributes: jsonb('attributes').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    /** Set: the account's suppression list holds the contact; nothing is sent to them on any channel. */
    unsubscribedAt: ts('unsubscribed_at'),
    /** Why: link (the unsubscribe page), one_click (RFC 8058 POST), manual, bounce. */
    unsubscribeReason: text('unsubscribe_reason'),
    /** What `search` matches: names, email, company and handles, lower-cased. */
    searchText: text('search_text').generatedAlwaysAs(
      sql`lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(company, '') || ' ' || coalesce(instagram_handle, '') || ' ' || coalesce(x_handle, ''))`,
    ),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    deletedAt: ts('deleted_at'),
  },
  (t) => [
    // A contact can be reached on at least one channel.
    check(
      'contacts_reachable',
      sql`email is not null or instagram_handle is not null or x_handle is not null`,
    ),
    // The arbiters of "create is idempotent on email": one row per owner and email, deleted ones included.
    uniqueIndex('contacts_user_email_key')
      .on(t.userId, t.email)
      .where(sql`agent_identity_id is null and email is not null`),
    uniqueIndex('contacts_agent_email_key')
      .on(t.agentIdentityId, t.email)
      .where(sql`agent_identity_id is not null and email is not null`),
    // Deleted contacts included: the plan's period count reads the contacts made in a period through it.
    index('contacts_user_created_idx').on(t.userId, t.createdAt, t.id),
    index('contacts_search_idx').using('gin', sql`search_text gin_trgm_ops`).where(sql`deleted_at is null`),
  ],
);

/** Which campaigns a contact is in (a contact can be in several). */
export const campaignContacts = pgTable(
  'campaign_contacts',
  {
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.contactId] }),
    index('campaign_contacts_contact_idx').on(t.contactId),
  ],
);

/** A thread with one contact on one channel; its messages arrive with the engine and sending work. */
export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    agentIdentityId: uuid('agent_identity_id').references(() => agentIdentities.id),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id),
    campaignId: uuid('campaign_id').references(() => campaigns.id),
    /** email, instagram, twitter */
    channel: text('channel').notNull(),
    unreadCount: integer('unread_count').notNull().default(0),
    lastMessageAt: ts('last_message_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('conversations_contact_created_idx').on(t.contactId, t.createdAt, t.id),
    index('conversations_user_created_idx').on(t.userId, t.createdAt, t.id),
  ],
);
