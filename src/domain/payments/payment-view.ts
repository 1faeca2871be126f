/**
 * What a payer (or the operator) is told about a payment: its rail, amount, status, money movement,
 * what it bought, its refund and receipt. A payment is a row of the append-only payments table once
 * the money moved; before that (and when it failed) it is the rail's reservation: an x402 authorization
 * or an MPP charge, under that row's id, which is what a 202 answer's Location names.
 *
 * Status: verifying (reserved, nothing broadcast or charged yet) → settling (sent to the chain or to
 * Stripe) → settled, or failed (nothing was charged); refunded once a refund is recorded for it
 * (`refund.state` says whether it is still owed or sent).
 */
import { and, desc, eq, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { users } from '../../../db/schema.ts';
import { mppCharges } from '../../../db/schema-credits.ts';
import { paymentRefunds, payments, x402Authorizations } from '../../../db/schema-payments.ts';
import type { Pagination } from '../../operations/define-operation.ts';
import { afterCursor, pageOf } from '../pagination.ts';
import { agentIdentityOf, hasScope, type Principal } from '../principal.ts';
import { Timestamp } from '../timestamps.ts';

export const PAYMENT_STATUSES = ['verifying', 'settling', 'settled', 'failed', 'refunded'] as const;

export const Payment = z.object({
  id: z.uuid(),
  rail: z.string().describe('x402 or mpp'),
  status: z.enum(PAYMENT_STATUSES),
  amount_minor: z.string().describe('minor units of currency: USDC atomic units (6 decimals) or cents'),
  currency: z.string(),
  network: z.string().nullable(),
  payer: z.string().nullable().describe('x402: the paying wallet'),
  reference: z
    .string()
    .nullable()
    .describe('the money movement: x402 transaction hash, or Stripe PaymentIntent id'),
  campaign_id: z.uuid().nullable(),
  identity_id: z.uuid().nullable(),
  receipt: z
    .string()
    .nullable()
    .describe('signed receipt (compact JWS), verifiable with /.well-known/jwks.json'),
  refund: z
    .object({
      state: z.string().describe('owed, sending or sent'),
      amount_minor: z.string(),
      currency: z.string(),
      reason: z.string(),
      reference: z.string().nullable(),
      receipt: z.string().nullable(),
      created_at: Timestamp,
      sent_at: Timestamp.nullable(),
    })
    .nullable(),
  failure: z.string().nullable().describe('why it failed (nothing was charged)'),
  created_at: Timestamp,
});
export type Payment = z.infer<typeof Payment>;

/** Whose payments a caller may read: an agent its own, the operator every one, anyone else none. */
export type PaymentReader = { kind: 'identity'; identityId: string } | { kind: 'all' } | { kind: 'none' };

export async function paymentReaderOf(db: Db, principal: Principal): Promise<PaymentReader> {
  const identityId = agentIdentityOf(principal);
  if (identityId) return { kind: 'identity', identityId };
  if (principal.kind !== 'key' || !hasScope(principal, 'admin')) return { kind: 'none' };
  const [caller] = await db.select({ kind: users.kind }).from(users).where(eq(users.id, principal.userId));
  return caller?.kind === 'owner' ? { kind: 'all' } : { kind: 'none' };
}

type PaymentRow = typeof payments.$inferSelect;
type RefundRow = typeof paymentRefunds.$inferSelect;

function fromPayment(row: PaymentRow, refund: RefundRow | null): Payment {
  return {
    id: row.id,
    rail: row.rail,
    status: refund ? 'refunded' : 'settled',
    amount_minor: row.amountMinor.toString(),
    currency: row.currency,
    network: row.network,
    payer: row.payer,
    reference: row.reference,
    campaign_id: row.campaignId,
    identity_id: row.identityId,
    receipt: row.receipt,
    refund: refund
      ? {
          state: refund.state,
          amount_minor: refund.amountMinor.toString(),
          currency: refund.currency,
          reason: refund.reason,
          reference: refund.reference,
          receipt: refund.receipt,
          created_at: refund.createdAt.toISOString(),
          sent_at: refund.sentAt?.toISOString() ?? null,
        }
      : null,
    failure: null,
    created_at: row.createdAt.toISOString(),
  };
}

function fromAuthorization(row: typeof x402Authorizations.$inferSelect): Payment {
  const status =
    row.state === 'reserved'
      ? 'verifying'
      : row.state === 'failed'
        ? 'failed'
        : row.state === 'submitted'
          ? 'settling'
          : 'settled';
  return {
    id: row.id,
    rail: 'x402',
    status,
    amount_minor: row.amountAtomic.toString(),
    currency: 'USDC',
    network: row.network,
    payer: row.payer,
    reference: row.txHash,
    campaign_id: row.resourceId,
    identity_id: row.identityId,
    receipt: null,
    refund: null,
    failure: row.failureReason,
    created_at: row.createdAt.toISOString(),
  };
}

function fromCharge(row: typeof mppCharges.$inferSelect): Payment {
  return {
    id: row.id,
    rail: 'mpp',
    status: row.state === 'failed' ? 'failed' : row.state === 'applied' ? 'settled' : 'settling',
    amount_minor: String(row.amountCents),
    currency: 'usd',
    network: null,
    payer: null,
    reference: row.paymentIntentId,
    campaign_id: row.resourceId,
    identity_id: row.identityId,
    receipt: null,
    refund: null,
    failure: row.failureCode,
    created_at: row.createdAt.toISOString(),
  };
}

const Uuid = z.uuid();

function readable(reader: PaymentReader, identityId: string | null): boolean {
  if (reader.kind === 'all') return true;
  return reader.kind === 'identity' && identityId === reader.identityId;
}

async function recorded(db: Db, where: SQL | undefined): Promise<Payment | undefined> {
  const [found] = await db
    .select({ payment: payments, refund: paymentRefunds })
    .from(payments)
    .leftJoin(paymentRefunds, eq(paymentRefunds.paymentId, payments.id))
    .where(where)
    .limit(1);
  return found ? fromPayment(found.payment, found.refund) : undefined;
}

/**
 * A payment by its id, or by the id of the reservation that led to it (what a 202 answer named);
 * undefined when there is none the reader may see.
 */
export async function findPayment(db: Db, reader: PaymentReader, id: string): Promise<Payment | undefined> {
  if (reader.kind === 'none' || !Uuid.safeParse(id).success) return undefined;
  const visible = (payment: Payment | undefined) =>
    payment && readable(reader, payment.identity_id) ? payment : undefined;
  const direct = await recorded(db, or(eq(payments.id, id), eq(payments.authorizationId, id)));
  if (direct) return visible(direct);
  const [authorization] = await db.select().from(x402Authorizations).where(eq(x402Authorizations.id, id));
  if (authorization) return visible(fromAuthorization(authorization));
  const [charge] = await db.select().from(mppCharges).where(eq(mppCharges.id, id));
  if (!charge) return undefined;
  if (charge.paymentIntentId) {
    const booked = await recorded(
      db,
      and(eq(payments.rail, 'mpp'), eq(payments.reference, charge.paymentIntentId)),
    );
    if (booked) return visible(booked);
  }
  return visible(fromCharge(charge));
}

/** Recorded payments the reader may see, newest first. */
export async function listPayments(
  db: Db,
  reader: PaymentReader,
  page: { limit: number; cursor?: string | undefined },
): Promise<{ data: Payment[]; pagination: Pagination }> {
  if (reader.kind === 'none') {
    return { data: [], pagination: { limit: page.limit, has_more: false, next_cursor: null } };
  }
  const rows = await db
    .select({ payment: payments, refund: paymentRefunds })
    .from(payments)
    .leftJoin(paymentRefunds, eq(paymentRefunds.paymentId, payments.id))
    .where(
      and(
        reader.kind === 'identity' ? eq(payments.identityId, reader.identityId) : undefined,
        afterCursor(page.cursor, payments.createdAt, payments.id),
      ),
    )
    .orderBy(desc(payments.createdAt), desc(payments.id))
    .limit(page.limit + 1);
  const paged = pageOf(
    rows.map((row) => ({ ...row, createdAt: row.payment.createdAt, id: row.payment.id })),
    page.limit,
  );
  return {
    data: paged.rows.map((row) => fromPayment(row.payment, row.refund)),
    pagination: paged.pagination,
  };
}
