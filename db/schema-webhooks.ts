/**
 * Webhook endpoints, their deliveries and every attempt of each delivery. A delivery row is written in
 * the transaction of the event it carries (src/domain/events/emit.ts), one per (endpoint, event): the
 * unique index makes the fan-out idempotent. Attempts are a log, one row per POST made.
 */
import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { users } from './schema.ts';
import { events } from './schema-events.ts';

export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    url: text('url').notNull(),
    description: text('description'),
    /** Event types delivered here, or `{*}` for all of them. */
    events: text('events').array().notNull(),
    /** The signing secret, sealed (src/crypto/sealer.ts); never stored raw. */
    secretSealed: text('secret_sealed').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    /** Why it stopped receiving deliveries (`failing` when iris turned it off). */
    disabledReason: text('disabled_reason'),
    disabledAt: ts('disabled_at'),
    /** Deliveries in a row that ended failed; a success resets it. */
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    /** When the current run of failed deliveries began. */
    failingSince: ts('failing_since'),
    secretRotatedAt: ts('secret_rotated_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    deletedAt: ts('deleted_at'),
  },
  (t) => [
    index('webhook_endpoints_user_created_idx')
      .on(t.userId, t.createdAt, t.id)
      .where(sql`deleted_at is null`),
  ],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    /** Also the X-Iris-Delivery and webhook-id headers: the same on every attempt. */
    id: uuid('id').primaryKey().defaultRandom(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id),
    /** The outbox event carried; null for a synthetic test event. */
    eventId: uuid('event_id').references(() => events.id),
    eventType: text('event_type').notNull(),
    /** The envelope's `data` of a synthetic event (test); events carry their own. */
    testData: jsonb('test_data'),
    /** pending, succeeded, failed. */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** The attempt after which a failure is final (4; a redelivery grants 4 more). */
    maxAttempts: integer('max_attempts').notNull().default(4),
    nextAttemptAt: ts('next_attempt_at'),
    lastResponseStatus: integer('last_response_status'),
    lastLatencyMs: integer('last_latency_ms'),
    lastError: text('last_error'),
    deliveredAt: ts('delivered_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('webhook_deliveries_endpoint_event_key').on(t.endpointId, t.eventId),
    index('webhook_deliveries_endpoint_created_idx').on(t.endpointId, t.createdAt, t.id),
    check('webhook_deliveries_status', sql`${t.status} in ('pending', 'succeeded', 'failed')`),
  ],
);

export const webhookDeliveryAttempts = pgTable(
  'webhook_delivery_attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => webhookDeliveries.id),
    /** 1, 2, …: the attempt's number within its delivery. */
    attempt: integer('attempt').notNull(),
    /** When the POST was made; its X-Iris-Timestamp. */
    startedAt: ts('started_at').notNull(),
    /** The receiver's HTTP status; null when no answer came (refused, timed out, blocked). */
    responseStatus: integer('response_status'),
    latencyMs: integer('latency_ms').notNull(),
    /** Why it did not count as delivered (null on a 2xx). */
    error: text('error'),
    /** The start of the receiver's answer (at most 1 KB). */
    responseBody: text('response_body'),
  },
  (t) => [uniqueIndex('webhook_delivery_attempts_delivery_attempt_key').on(t.deliveryId, t.attempt)],
);
