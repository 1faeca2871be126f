/**
 * Messages: every draft, approval, send and reply of a campaign or a conversation. One outbound row per
 * (campaign, contact, channel, step): a drafting job that runs twice finds its row and creates nothing
 * twice. Step 0 is the first message, step n the n-th follow-up.
 */
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { campaigns, users } from './schema.ts';
import { contacts, conversations } from './schema-contacts.ts';
import { agentIdentities } from './schema-payments.ts';

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
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('messages_campaign_step_key')
      .on(t.campaignId, t.contactId, t.channel, t.step)
      .where(sql`direction = 'outbound' and campaign_id is not null and step is not null`),
    index('messages_campaign_status_idx').on(t.campaignId, t.status),
    index('messages_conversation_created_idx').on(t.conversationId, t.createdAt, t.id),
    index('messages_user_status_created_idx').on(t.userId, t.status, t.createdAt, t.id),
  ],
);
