/**
 * The job outbox: a row per piece of background work (a paid campaign's run, later discovery, drafting,
 * sends, follow-ups and webhook deliveries), written in the transaction of the change that causes it.
 */
import { index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    /** queued, running, done, failed. */
    state: text('state').notNull().default('queued'),
    attempts: integer('attempts').notNull().default(0),
    /** After this many failed attempts the job stays `failed` (visible, with its last error). */
    maxAttempts: integer('max_attempts').notNull().default(8),
    runAt: ts('run_at').notNull().defaultNow(),
    /** While running: the worker holding it, until when; an expired lease is claimed again. */
    lockedBy: text('locked_by'),
    lockedUntil: ts('locked_until'),
    lastError: text('last_error'),
    finishedAt: ts('finished_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    /** Makes enqueueing idempotent: one job per cause. */
    dedupeKey: text('dedupe_key').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('jobs_dedupe_key').on(t.dedupeKey), index('jobs_state_run_idx').on(t.state, t.runAt)],
);
