/**
 * Charging an MPP credential through mppx (one Stripe PaymentIntent, idempotent on the credential) and
 * sorting the outcome: paid, declined, refused (bad or replayed credential), or uncertain (Stripe did
 * not answer: the PaymentIntent may exist, so the charge is looked up later by its metadata).
 */
import type { Receipt } from 'mppx';
import { formatCents } from '../../src/domain/pricing.ts';
import type { MppCredential } from './credential.ts';
import type { MppDeps } from './mpp-deps.ts';

export type ChargeOutcome =
  | { ok: true; receipt: Receipt.Receipt; paymentIntentId: string }
  | { ok: false; kind: 'declined' | 'refused' | 'uncertain'; reason: string };

export interface ChargeFor {
  scope: string;
  cents: number;
  chargeId: string;
  identityId: string;
  operationId: string;
}

/**
 * Stripe did not say how the charge ended. "another in-progress request" is Stripe's 409 for a request
 * whose idempotency key is still being worked on: what the SDK's own retry of a timed-out create gets
 * while Stripe finishes the first, which may yet succeed.
 */
const UNCERTAIN =
  /connection|timed? ?out|ECONN|socket hang up|api_error|having a moment|status code 5\d\d|in-progress request/i;

export async function chargeCredential(
  deps: MppDeps,
  credential: MppCredential,
  charge: ChargeFor,
): Promise<ChargeOutcome> {
  try {
    const receipt = await deps.mppx.verifyCredential(credential.header, {
      scope: charge.scope,
      request: {
        amount: formatCents(charge.cents),
        paymentIntentOptions: {
          metadata: {
            iris_charge_id: charge.chargeId,
            iris_identity_id: charge.identityId,
            iris_operation: charge.operationId,
          },
        },
      },
    });
    return { ok: true, receipt, paymentIntentId: receipt.reference };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (/declined/i.test(reason)) return { ok: false, kind: 'declined', reason };
    if (UNCERTAIN.test(reason)) return { ok: false, kind: 'uncertain', reason };
    return { ok: false, kind: 'refused', reason };
  }
}
