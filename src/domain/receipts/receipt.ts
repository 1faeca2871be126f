/**
 * Signed receipts: a compact JWS (EdDSA) stating who paid what, for which operation and resource, on
 * which rail and with which money movement. Anyone holding the published key set
 * (/.well-known/jwks.json) can check one offline.
 */
import { SignJWT } from 'jose';
import type { Env } from '../../env.ts';
import { receiptKeyRing } from './signing-keys.ts';

export const RECEIPT_TYPE = 'iris-receipt+jwt';
/** The response header carrying the receipt (also in `meta.payment.receipt`). */
export const RECEIPT_HEADER = 'Iris-Receipt';

/** settlement: money paid for an operation; credit_purchase, credit_spend; refund: money given back. */
export type ReceiptKind = 'settlement' | 'credit_purchase' | 'credit_spend' | 'refund';

export interface ReceiptFacts {
  kind: ReceiptKind;
  rail: string;
  operation: string;
  /** The agent identity that paid (the receipt's subject). */
  identityId: string;
  /** Minor units of `currency` (USDC atomic units, cents) or, for credits, a count of credits. */
  amountMinor: bigint | number;
  currency: string;
  /** The money movement: transaction hash, PaymentIntent id, or ledger reference. */
  reference: string;
  resourceId: string | null;
  paymentId?: string | null;
  payer?: string | null;
  network?: string | null;
  at: Date;
}

/** The receipt's own claims beside the registered ones (iss, sub, iat, jti). */
export interface ReceiptClaims {
  kind: ReceiptKind;
  rail: string;
  operation: string;
  amount_minor: string;
  currency: string;
  reference: string;
  resource_id: string | null;
  payment_id: string | null;
  payer: string | null;
  network: string | null;
}

export async function signReceipt(
  env: Pick<Env, 'IRIS_RECEIPT_KEY' | 'IRIS_DATA_DIR'>,
  issuer: string,
  facts: ReceiptFacts,
): Promise<string> {
  const ring = await receiptKeyRing(env);
  const claims: ReceiptClaims = {
    kind: facts.kind,
    rail: facts.rail,
    operation: facts.operation,
    amount_minor: facts.amountMinor.toString(),
    currency: facts.currency,
    reference: facts.reference,
    resource_id: facts.resourceId,
    payment_id: facts.paymentId ?? null,
    payer: facts.payer ?? null,
    network: facts.network ?? null,
  };
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: ring.current.kid, typ: RECEIPT_TYPE })
    .setIssuer(issuer)
    .setSubject(facts.identityId)
    .setIssuedAt(Math.floor(facts.at.getTime() / 1000))
    .setJti(`${facts.kind}:${facts.rail}:${facts.reference}`)
    .sign(ring.current.privateKey);
}
