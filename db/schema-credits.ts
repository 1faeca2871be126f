/**
 * Tables of the MPP rail and the credit ledger: credentials bound to agent identities, Stripe charges
 * claimed before they are made, append-only ledger entries and the balance they add up to (never
 * negative, enforced by the database).
 */
import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';
import { agentIdentities } from './schema-payments.ts';

/** What proves an identity: a hash of a Stripe shared payment token it paid with. */
export const identityCredentials = pgTable(
  'identity_credentials',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    identityId: uuid('identity_id')
      .notNull()
      .references(() => agentIdentities.id),
    kind: text('kind').notNull(),
    /** SHA-256 hex; the token itself is never stored. */
    valueHash: text('value_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('identity_credentials_value_key').on(t.kind, t.valueHash)],
);

export const creditAccounts = pgTable(
  'credit_accounts',
  {
    identityId: uuid('identity_id')
      .primaryKey()
      .references(() => agentIdentities.id),
    balance: integer('balance').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [check('credit_accounts_balance_non_negative', sql`${t.balance} >= 0`)],
);

export const creditEntries = pgTable(
  'credit_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    identityId: uuid('identity_id')
      .notNull()
      .references(() => agentIdentities.id),
    /** purchase, debit, refund (a debit given back) or reversal (a purchase refunded). */
    kind: text('kind').notNull(),
    /** Signed: purchases and refunds add, debits and reversals take away. */
    credits: integer('credits').notNull(),
    /** The money movement or cause this entry records; unique, so no movement is booked twice. */
    reference: text('reference').notNull(),
    campaignId: uuid('campaign_id'),
    paymentId: uuid('payment_id'),
    /** The entry this one gives back (a refund's debit, a reversal's purchase). */
    reversesEntryId: uuid('reverses_entry_id'),
    balanceAfter: integer('balance_after').notNull(),
    metadata: jsonb('metadata').notNull().default(sql`'{}'::jsonb`),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('credit_entries_reference_key').on(t.reference),
    index('credit_entries_identity_idx').on(t.identityId, t.createdAt, t.id),
    check('credit_entries_credits_nonzero', sql`${t.credits} <> 0`),
  ],
);

/** A Stripe charge through MPP, claimed before it is made so a crash or a replay cannot book it twice. */
export const mppCharges = pgTable(
  'mpp_charges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    challengeId: text('challenge_id').notNull(),
    sptHash: text('spt_hash').notNull(),
    operationId: text('operation_id').notNull(),
    requestHash: text('request_hash').notNull(),
    /** Idempotency-Key of the paid call: a retry with a fresh credential finds this charge. */
    idempotencyKey: text('idempotency_key'),
    /** The validated input of the paid call: what the reconciler needs to finish it. */
    input: jsonb('input').notNull(),
    amountCents: integer('amount_cents').notNull(),
    /** charging → charged → applied, or failed (nothing charged), or refund_owed. */
    state: text('state').notNull(),
    paymentIntentId: text('payment_intent_id'),
    identityId: uuid('identity_id'),
    /** What the payment buys (the resource the operation created under its id); column named for its first. */
    resourceId: uuid('campaign_id'),
    failureCode: text('failure_code'),
    responseStatus: integer('response_status'),
    responseSealed: text('response_sealed'),
    lockedUntil: ts('locked_until').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('mpp_charges_credential_key').on(t.challengeId, t.sptHash),
    uniqueIndex('mpp_charges_idempotency_key')
      .on(t.identityId, t.operationId, t.idempotencyKey)
      .where(sql`idempotency_key is not null`),
  ],
);
