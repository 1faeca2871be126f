/**
 * x402_authorizations: one row per EIP-3009 authorization, claimed by insert under a unique constraint
 * on (network, asset, payer, nonce) before any work is done, then moved through its states by the
 * request or, if that request died, by the reconciler. A lease says who works on a row.
 */
import { createHash } from 'node:crypto';
import type { PaymentPayload, PaymentRequirements } from '@x402/core/types';
import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { x402Authorizations } from '../../db/schema-payments.ts';
import type { Sealer } from '../../src/crypto/sealer.ts';
import type { ExactEvmPayload } from './decode-payment.ts';

export type AuthorizationRow = typeof x402Authorizations.$inferSelect;
export type AuthorizationState = 'reserved' | 'submitted' | 'settled' | 'failed' | 'refund_owed' | 'refunded';

export interface SealedPayment {
  payload: PaymentPayload;
  requirements: PaymentRequirements;
}

/** Identifies the exact signed authorization: a replay must present the same one. */
export function payloadHash(exact: ExactEvmPayload): string {
  const a = exact.authorization;
  const canonical = [a.from, a.to, a.value, a.validAfter, a.validBefore, a.nonce, exact.signature]
    .map((v) => v.toLowerCase())
    .join('|');
  return createHash('sha256').update(canonical).digest('hex');
}

export function openPayment(sealer: Sealer, row: Pick<AuthorizationRow, 'payloadSealed'>): SealedPayment {
  return JSON.parse(sealer.open(row.payloadSealed)) as SealedPayment;
}

export async function findByNonce(
  db: Db,
  key: { network: string; asset: string; payer: string; nonce: string },
): Promise<AuthorizationRow | undefined> {
  const [row] = await db
    .select()
    .from(x402Authorizations)
    .where(
      and(
        eq(x402Authorizations.network, key.network),
        eq(x402Authorizations.asset, key.asset),
        eq(x402Authorizations.payer, key.payer),
        eq(x402Authorizations.nonce, key.nonce),
      ),
    )
    .limit(1);
  return row;
}

export async function findByIdempotencyKey(
  db: Db,
  key: { payer: string; operationId: string; idempotencyKey: string },
): Promise<AuthorizationRow | undefined> {
  const [row] = await db
    .select()
    .from(x402Authorizations)
    .where(
      and(
        eq(x402Authorizations.payer, key.payer),
        eq(x402Authorizations.operationId, key.operationId),
        eq(x402Authorizations.idempotencyKey, key.idempotencyKey),
      ),
    )
    .limit(1);
  return row;
}

export type NewAuthorization = Omit<
  typeof x402Authorizations.$inferInsert,
  'id' | 'state' | 'createdAt' | 'updatedAt'
>;

/** Inserts the row in state `reserved`, or returns undefined when another request holds it already. */
export async function reserve(db: Db, values: NewAuthorization): Promise<AuthorizationRow | undefined> {
  const [row] = await db
    .insert(x402Authorizations)
    .values({ ...values, state: 'reserved' })
    .onConflictDoNothing()
    .returning();
  return row;
}

/** Takes the lease of a row whose previous holder is gone; false when someone holds it. */
export async function takeLease(
  db: Db,
  id: string,
  now: Date,
  leaseMs: number,
): Promise<AuthorizationRow | undefined> {
  const [row] = await db
    .update(x402Authorizations)
    .set({ lockedUntil: new Date(now.getTime() + leaseMs), updatedAt: now })
    .where(and(eq(x402Authorizations.id, id), lte(x402Authorizations.lockedUntil, now)))
    .returning();
  return row;
}

export async function update(
  db: Db,
  id: string,
  changes: Partial<Omit<AuthorizationRow, 'id' | 'createdAt'>>,
): Promise<void> {
  await db
    .update(x402Authorizations)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(x402Authorizations.id, id));
}

export async function deleteReservation(db: Db, id: string): Promise<void> {
  await db
    .delete(x402Authorizations)
    .where(and(eq(x402Authorizations.id, id), eq(x402Authorizations.state, 'reserved')));
}

/** Rows a crashed or timed-out request left behind, whose lease has run out. */
export async function abandoned(db: Db, now: Date, limit: number): Promise<AuthorizationRow[]> {
  return db
    .select()
    .from(x402Authorizations)
    .where(
      and(
        inArray(x402Authorizations.state, ['reserved', 'submitted', 'refund_owed']),
        lte(x402Authorizations.lockedUntil, now),
      ),
    )
    .orderBy(x402Authorizations.lockedUntil)
    .limit(limit);
}
