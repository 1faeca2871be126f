/**
 * x402_authorizations: one row per EIP-3009 authorization, claimed under a unique constraint on
 * (network, asset, payer, nonce) before any work is done, then moved through its states (settlement.ts)
 * by the request or, if that request died, by the reconciler. A lease says who works on a row.
 */
import { createHash } from 'node:crypto';
import type { PaymentPayload, PaymentRequirements } from '@x402/core/types';
import type { Db } from '../../db/client.ts';
import { x402Authorizations } from '../../db/schema-payments.ts';
import type { Sealer } from '../../src/crypto/sealer.ts';
import { reservations } from '../../src/pipeline/reservation.ts';
import type { ExactEvmPayload } from './decode-payment.ts';

export type AuthorizationRow = typeof x402Authorizations.$inferSelect;
export type AuthorizationState = 'reserved' | 'submitted' | 'settled' | 'refund_owed' | 'refunded';

export const authorizations = reservations(x402Authorizations, { hasUpdatedAt: true });

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

export function findByNonce(
  db: Db,
  key: { network: string; asset: string; payer: string; nonce: string },
): Promise<AuthorizationRow | undefined> {
  return authorizations.findBy(db, key);
}

export function findByIdempotencyKey(
  db: Db,
  key: { payer: string; operationId: string; idempotencyKey: string },
): Promise<AuthorizationRow | undefined> {
  return authorizations.findBy(db, key);
}
