/**
 * Connected channel accounts (an Instagram professional account, an X user) that DMs go out from, and
 * which account sent which message (the X daily cap counts them). The access token is kept sealed
 * (AES-256-GCM through the sealer) and no operation ever answers it.
 */
import { sql } from 'drizzle-orm';
import { index, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { users } from './schema.ts';
import { messages } from './schema-messages.ts';
import { agentIdentities } from './schema-payments.ts';

export const channelAccounts = pgTable(
  'channel_accounts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    agentIdentityId: uuid('agent_identity_id').references(() => agentIdentities.id),
    /** instagram, twitter */
    channel: text('channel').notNull(),
    /** The platform's id of the account: the Instagram professional account id, the X user id. */
    externalAccountId: text('external_account_id').notNull(),
    /** The account's handle when it was connected, without the @. */
    handle: text('handle').notNull(),
    /** The access token, sealed; never answered, never logged. */
    tokenSealed: text('token_sealed').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** Set by channels.disconnect; connecting the same account again clears it. */
    disconnectedAt: ts('disconnected_at'),
  },
  (t) => [
    // One row per owner, channel and platform account, disconnected ones included (a reconnect revives it).
    uniqueIndex('channel_accounts_user_key')
      .on(t.userId, t.channel, t.externalAccountId)
      .where(sql`agent_identity_id is null`),
    uniqueIndex('channel_accounts_agent_key')
      .on(t.agentIdentityId, t.channel, t.externalAccountId)
      .where(sql`agent_identity_id is not null`),
  ],
);

/** The connected account each DM went out from, written in the transaction that records the send. */
export const channelAccountSends = pgTable(
  'channel_account_sends',
  {
    messageId: uuid('message_id')
      .primaryKey()
      .references(() => messages.id),
    accountId: uuid('account_id')
      .notNull()
      .references(() => channelAccounts.id),
    sentAt: ts('sent_at').notNull(),
  },
  (t) => [index('channel_account_sends_account_sent_idx').on(t.accountId, t.sentAt)],
);
