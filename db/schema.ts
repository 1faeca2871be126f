/**
 * The drizzle schema: the one source of truth for tables (migrations are generated from it).
 * Migrations in db/migrations are generated from this file with `npm run db:generate`.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  doublePrecision,
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
import { agentIdentities } from './schema-payments.ts';

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  /** owner (first account), user (created by an operator), system (owns agent campaigns) */
  kind: text('kind').notNull(),
  /** Billing plan (free, pro, agency): the period limits the account's writes are held to. */
  plan: text('plan').notNull().default('free'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    /** SHA-256 hex of the raw key; the raw key itself is never stored. */
    keyHash: text('key_hash').notNull(),
    /** First characters of the raw key, for display only. */
    prefix: text('prefix').notNull(),
    scopes: text('scopes').array().notNull(),
    expiresAt: ts('expires_at'),
    revokedAt: ts('revoked_at'),
    lastUsedAt: ts('last_used_at'),
    rotatedFromId: uuid('rotated_from_id'),
    /** Set on keys issued to an agent identity by its first payment: they see only its campaigns. */
    agentIdentityId: uuid('agent_identity_id').references(() => agentIdentities.id),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('api_keys_key_hash_key').on(t.keyHash),
    index('api_keys_user_idx').on(t.userId),
    // One key issued per agent identity (concurrent first payments cannot mint two).
    uniqueIndex('api_keys_agent_identity_key')
      .on(t.agentIdentityId)
      .where(sql`agent_identity_id is not null and rotated_from_id is null`),
  ],
);

export const auditLog = pgTable(
  'api_audit_log',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id'),
    apiKeyId: uuid('api_key_id'),
    action: text('action').notNull(),
    resourceId: text('resource_id'),
    operationId: text('operation_id').notNull(),
    requestId: text('request_id').notNull(),
    metadata: jsonb('metadata').notNull().default(sql`'{}'::jsonb`),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('api_audit_log_user_created_idx').on(t.userId, t.createdAt, t.id)],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Who made the request: `key:<api key id>` or another principal key. */
    principal: text('principal').notNull(),
    operationId: text('operation_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    /** in_flight while the first request runs, completed once a 2xx response is stored. */
    state: text('state').notNull(),
    /** Random token of the request that holds the claim; completing requires it, so a taken-over claim cannot complete twice. */
    claimToken: text('claim_token').notNull(),
    responseStatus: integer('response_status'),
    /** Body and headers of the stored response, sealed (AES-GCM): they may carry a raw API key. */
    responseSealed: text('response_sealed'),
    /** An in-flight claim older than this was abandoned by a crashed request and may be taken over. */
    lockedUntil: ts('locked_until').notNull(),
    expiresAt: ts('expires_at').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('idempotency_keys_scope_key').on(t.principal, t.operationId, t.key),
    index('idempotency_keys_expires_idx').on(t.expiresAt),
  ],
);

export const rateLimitCounters = pgTable(
  'rate_limit_counters',
  {
    bucket: text('bucket').notNull(),
    /** Window start in ms since epoch; the window is anchored at the first hit. */
    windowStartMs: bigint('window_start_ms', { mode: 'number' }).notNull(),
    windowMs: integer('window_ms').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.bucket] })],
);

export const campaigns = pgTable(
  'campaigns',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    objectiveType: text('objective_type').notNull(),
    location: text('location'),
    radiusMiles: doublePrecision('radius_miles'),
    venueTypes: text('venue_types').array().notNull().default(sql`'{}'::text[]`),
    keywords: text('keywords').array().notNull().default(sql`'{}'::text[]`),
    maxResults: integer('max_results').notNull(),
    outreachChannels: text('outreach_channels').array().notNull(),
    followupDays: integer('followup_days').array().notNull().default(sql`'{}'::integer[]`),
    status: text('status').notNull(),
    /** manual: every draft waits for a person's approval; auto: drafts are approved as they are made. */
    approvalMode: text('approval_mode').notNull().default('manual'),
    /** The agent identity that paid for it; such campaigns belong to the internal system user. */
    agentIdentityId: uuid('agent_identity_id').references(() => agentIdentities.id),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    deletedAt: ts('deleted_at'),
    completedAt: ts('completed_at'),
    /** The last AI product/market analysis (campaigns.analyze), as the analyzer answered it. */
    analysis: jsonb('analysis'),
    analyzedAt: ts('analyzed_at'),
    /** When its messages may go: {timezone, days, start_hour, end_hour}; null: at all hours. */
    sendWindow: jsonb('send_window').$type<{
      timezone: string;
      days: ('mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun')[];
      start_hour: number;
      end_hour: number;
    }>(),
    /** At most this many of its messages go out per day (the send window's day); null: no cap. */
    dailySendCap: integer('daily_send_cap'),
  },
  (t) => [
    index('campaigns_user_created_idx').on(t.userId, t.createdAt, t.id),
    // Only agents' campaigns: an index that also held every account's (null) row could be picked while the
    // table has no statistics yet (before autovacuum first analyzes it) for an account's listing's
    // `agent_identity_id is null`, reading every account's campaigns to list one account's page.
    index('campaigns_identity_created_idx')
      .on(t.agentIdentityId, t.createdAt, t.id)
      .where(sql`agent_identity_id is not null`),
  ],
);

/** Who a campaign looks for: discovery criteria beside the campaign's own. */
export const targetProfiles = pgTable(
  'target_profiles',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id),
    name: text('name').notNull(),
    description: text('description'),
    location: text('location'),
    radiusMiles: doublePrecision('radius_miles'),
    venueTypes: text('venue_types').array().notNull().default(sql`'{}'::text[]`),
    keywords: text('keywords').array().notNull().default(sql`'{}'::text[]`),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('target_profiles_campaign_created_idx').on(t.campaignId, t.createdAt, t.id)],
);
