/**
 * The domain event outbox and people's notifications. An event row is written in the transaction of the
 * change it reports (so a rolled-back change leaves none); webhook delivery reads them from here.
 */
import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { users } from './schema.ts';
import { agentIdentities } from './schema-payments.ts';

export const events = pgTable(
  'events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    agentIdentityId: uuid('agent_identity_id').references(() => agentIdentities.id),
    /** One of the reference's event types, e.g. contact.created. */
    type: text('type').notNull(),
    data: jsonb('data').notNull(),
    /** When the change happened (the transaction's clock). */
    occurredAt: ts('occurred_at').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('events_user_occurred_idx').on(t.userId, t.occurredAt, t.id),
    index('events_created_idx').on(t.createdAt, t.id),
  ],
);

export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    /** What happened, e.g. campaign.completed, webhook.disabled. */
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull().default(sql`'{}'::jsonb`),
    readAt: ts('read_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    deletedAt: ts('deleted_at'),
  },
  (t) => [
    index('notifications_user_created_idx').on(t.userId, t.createdAt, t.id).where(sql`deleted_at is null`),
  ],
);
