/**
 * Tables of the payment rails: agent identities, x402 authorizations (one row per EIP-3009
 * authorization, claimed under a unique constraint), the append-only payments ledger, refunds owed, and
 * the sign-in-with-X messages already used.
 */
import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { ts } from './columns.ts';

export const agentIdentities = pgTable(
  'agent_identities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** wallet (x402 payer address) or mpp (a verified Stripe payment credential). */
    kind: text('kind').notNull(),
    /** Checksummed address for wallets. */
    subject: text('subject').notNull(),
    /** Most the identity may pay per UTC day, in US cents (USDC counted at 1 USDC = 100 cents); null: no cap. */
    dailyCapCents: integer('daily_cap_cents'),
    /** Most one paid call may cost, in US cents; null: no cap. */
    perCampaignCapCents: integer('per_campaign_cap_cents'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('agent_identities_kind_subject_key').on(t.kind, t.subject),
    check(
      'agent_identities_caps_non_negative',
      sql`${t.dailyCapCents} >= 0 and ${t.perCampaignCapCents} >= 0`,
    ),
  ],
);

export const x402Authorizations = pgTable(
  'x402_authorizations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    network: text('network').notNull(),
    asset: text('asset').notNull(),
    payer: text('payer').notNull(),
    nonce: text('nonce').notNull(),
    /** SHA-256 of the payment payload: a replay must present the very same signed authorization. */
    payloadHash: text('payload_hash').notNull(),
    /** The payload and requirements, sealed: what the reconciler needs to settle or check it later. */
    payloadSealed: text('payload_sealed').notNull(),
    amountAtomic: bigint('amount_atomic', { mode: 'bigint' }).notNull(),
    payTo: text('pay_to').notNull(),
    validBefore: bigint('valid_before', { mode: 'number' }).notNull(),
    operationId: text('operation_id').notNull(),
    requestHash: text('request_hash').notNull(),
    /** Idempotency-Key sent with the paid request: a retry with a fresh signature finds this row. */
    idempotencyKey: text('idempotency_key'),
    /** reserved → submitted → settled, or failed (nothing charged), or refund_owed → refunded. */
    state: text('state').notNull(),
    /** What the payment buys (the resource the operation created under its id); column named for its first. */
    resourceId: uuid('campaign_id'),
    identityId: uuid('identity_id'),
    txHash: text('tx_hash'),
    failureReason: text('failure_reason'),
    responseStatus: integer('response_status'),
    responseSealed: text('response_sealed'),
    /** While a request works on the row; the reconciler only takes rows whose lease has run out. */
    lockedUntil: ts('locked_until').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('x402_authorizations_nonce_key').on(t.network, t.asset, t.payer, t.nonce),
    uniqueIndex('x402_authorizations_idempotency_key')
      .on(t.payer, t.operationId, t.idempotencyKey)
      .where(sql`idempotency_key is not null`),
    index('x402_authorizations_open_idx')
      .on(t.lockedUntil)
      .where(sql`state in ('reserved', 'submitted', 'refund_owed')`),
  ],
);

export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** x402 or mpp. */
    rail: text('rail').notNull(),
    identityId: uuid('identity_id')
      .notNull()
      .references(() => agentIdentities.id),
    campaignId: uuid('campaign_id'),
    /** Minor units of `currency`: USDC atomic units (6 decimals) or cents. */
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    currency: text('currency').notNull(),
    network: text('network'),
    asset: text('asset'),
    payer: text('payer'),
    /** The money movement: a transaction hash or a PaymentIntent id; unique per rail. */
    reference: text('reference').notNull(),
    authorizationId: uuid('authorization_id'),
    /** The signed receipt (compact JWS) given to the payer. */
    receipt: text('receipt'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('payments_rail_reference_key').on(t.rail, t.reference),
    index('payments_identity_idx').on(t.identityId, t.createdAt),
  ],
);

export const paymentRefunds = pgTable(
  'payment_refunds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    paymentId: uuid('payment_id')
      .notNull()
      .references(() => payments.id),
    amountMinor: bigint('amount_minor', { mode: 'bigint' }).notNull(),
    currency: text('currency').notNull(),
    reason: text('reason').notNull(),
    /** owed until sent back; sent with the refund's own reference (transaction hash). */
    state: text('state').notNull(),
    reference: text('reference'),
    /** The signed receipt (compact JWS) of the refund once sent. */
    receipt: text('receipt'),
    createdAt: ts('created_at').notNull().defaultNow(),
    sentAt: ts('sent_at'),
  },
  (t) => [uniqueIndex('payment_refunds_payment_key').on(t.paymentId)],
);

/** Sign-in-with-X messages used: one sign-in per wallet and nonce, kept until the message expires. */
export const siwxSignIns = pgTable(
  'siwx_sign_ins',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Checksummed wallet address. */
    address: text('address').notNull(),
    nonce: text('nonce').notNull(),
    expiresAt: ts('expires_at').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('siwx_sign_ins_address_nonce_key').on(t.address, t.nonce),
    index('siwx_sign_ins_expires_idx').on(t.expiresAt),
  ],
);
