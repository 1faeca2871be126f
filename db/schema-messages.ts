/**
 * Messages: every draft, approval, send and reply of a campaign or a conversation. One outbound row per
 * (campaign, contact, channel, step): a drafting job that runs twice finds its row and creates nothing
 * twice. Step 0 is the first message, step n the n-th follow-up.
 */
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { campaigns, users } from './schema.ts';
import { contacts, conversations } from './schema-contacts.ts';
import { agentIdentities } from './schema-payments.ts';

export interface MessageVersion {
  subject: string | null;
  body: string;
  feedback: string | null;
  replaced_at: string;
}

export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    agentIdentityId: uuid('agent_identity_id').references(() => agentIdentities.id),
    campaignId: uuid('campaign_id').references(() => campaigns.id),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id),
    conversationId: uuid('conversation_id').references(() => conversations.id),
    /** email, instagram, twitter */
    channel: text('channel').notNull(),
    /** outbound (ours) or inbound (a reply). */
    direction: text('direction').notNull(),
    /** 0: first message; n: the n-th follow-up. Null for replies and messages sent by hand. */
    step: integer('step'),
    /**
     * Outbound: pending_approval, approved, rejected, queued, sent, delivered, failed, bounced.
     * Inbound: received.
     */
    status: text('status').notNull(),
    subject: text('subject'),
    body: text('body').notNull(),
    /** When an approved message goes out (follow-ups: days after the first send). */
    scheduledAt: ts('scheduled_at'),
    sentAt: ts('sent_at'),
    deliveredAt: ts('delivered_at'),
    openedAt: ts('opened_at'),
    /** The channel's id for it (the email Message-ID we chose, a DM id). */
    externalId: text('external_id'),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    rejectionReason: text('rejection_reason'),
    /** The last feedback a person gave for an AI revision. */
    feedback: text('feedback'),
    /** Earlier versions, oldest first: [{subject, body, feedback, replaced_at}]. */
    history: jsonb('history').$type<MessageVersion[]>().notNull().default(sql`'[]'::jsonb`),
    /** Inbound: the AI's reading of the reply (intent, sentiment, key points, suggested reply). */
    analysis: jsonb('analysis').$type<Record<string, unknown>>(),
    /** Inbound: an automatic answer (out of office, RFC 3834 Auto-Submitted); it does not stop a sequence. */
    autoReply: boolean('auto_reply').notNull().default(false),
    approvedAt: ts('approved_at'),
    rejectedAt: ts('rejected_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('messages_campaign_step_key')
      .on(t.campaignId, t.contactId, t.channel, t.step)
      .where(sql`direction = 'outbound' and campaign_id is not null and step is not null`),
    // A reply delivered twice (a webhook retried) is stored once.
    uniqueIndex('messages_inbound_external_key')
      .on(t.userId, t.channel, t.externalId)
      .where(sql`direction = 'inbound' and external_id is not null`),
    index('messages_campaign_status_idx').on(t.campaignId, t.status),
    index('messages_conversation_created_idx').on(t.conversationId, t.createdAt, t.id),
    index('messages_user_status_created_idx').on(t.userId, t.status, t.createdAt, t.id),
    // The plan's period count of an account's outbound messages.
    index('messages_user_outbound_created_idx').on(t.userId, t.createdAt).where(sql`direction = 'outbound'`),
    // A contact's messages, which the contact_engagement trigger (migration 0021) counts again on each change.
    index('messages_contact_idx').on(t.contactId),
  ],
);

/** A discovery search: what was asked, where it ran, and what it found (discovery.get_job reads it). */
export const discoveryJobs = pgTable(
  'discovery_jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    agentIdentityId: uuid('agent_identity_id').references(() => agentIdentities.id),
    campaignId: uuid('campaign_id').references(() => campaigns.id),
    /** The search as asked (query, location, radius, sources, limit, ...). */
    query: jsonb('query').notNull(),
    /** running, completed, failed */
    status: text('status').notNull(),
    /** Records found, as the API shows them (at most the search's limit). */
    results: jsonb('results').notNull().default(sql`'[]'::jsonb`),
    resultCount: integer('result_count').notNull().default(0),
    errorCode: text('error_code'),
    errorMessage: text('error_message'),
    createdAt: ts('created_at').notNull().defaultNow(),
    completedAt: ts('completed_at'),
  },
  (t) => [
    index('discovery_jobs_user_created_idx').on(t.userId, t.createdAt, t.id),
    index('discovery_jobs_campaign_idx').on(t.campaignId),
  ],
);

/** One row per AI generation, for ai.usage and the plan's period counts. */
export const aiGenerations = pgTable(
  'ai_generations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    agentIdentityId: uuid('agent_identity_id').references(() => agentIdentities.id),
    /** generate, generate_campaign, analyze, campaign_analysis, draft, revision */
    kind: text('kind').notNull(),
    model: text('model').notNull(),
    campaignId: uuid('campaign_id').references(() => campaigns.id),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('ai_generations_user_created_idx').on(t.userId, t.createdAt)],
);
