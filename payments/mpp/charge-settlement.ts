/**
 * The MPP charge state machine. One mpp_charges row per credential:
 *
 *   charging ──Stripe: paid──▶ charged ──booked──▶ applied     what was bought is live, the answer stored
 *      │
 *      ├── Stripe: declined, or refused before any PaymentIntent ──▶ failed   (what waited is removed)
 *      └── Stripe did not answer ──▶ stays charging: asked again by PaymentIntent metadata (resend or
 *          reconciler); with none found once the credential has expired, nothing was charged ──▶ failed
 *
 * A failure is only believed once Stripe confirms no PaymentIntent of this charge succeeded; a charge
 * whose booking fails stays `charged` and the reconciler books it.
 */
import { Receipt } from 'mppx';
import type { Db } from '../../db/client.ts';
import type { StoredResponse } from '../../src/pipeline/operation-io.ts';
import { sealStoredResponse } from '../../src/pipeline/reservation.ts';
import { chargeCredential } from './charge.ts';
import { type ChargeRow, charges } from './charge-store.ts';
import type { MppCredential } from './credential.ts';
import type { MppDeps } from './mpp-deps.ts';
import { bookingPending, cardDeclined, credentialRefused, stripeUnreachable } from './responses.ts';
import { lookupCharge } from './stripe-lookup.ts';

/** How one kind of purchase is made real (or undone) around the charge. */
export interface ChargedPurchase {
  /**
   * Runs `reserve` (identity + reservation) inside a transaction of its own making, creating what is
   * bought in the same transaction when there is something to create before the money moves.
   */
  prepare(reserve: (tx: Db) => Promise<{ identityId: string; charge: ChargeRow }>): Promise<ChargeRow>;
  /** After the charge, in one transaction: make the purchase real; the stored response. */
  apply(tx: Db, charge: ChargeRow, receipt: Receipt.Receipt): Promise<StoredResponse>;
  /** Nothing was charged: remove what prepare created. */
  undo(tx: Db, charge: ChargeRow): Promise<void>;
}

/** Longer than an MPP challenge lives (mppx issues them for five minutes), with a margin. */
const CHALLENGE_LIFETIME_MS = 10 * 60_000;

/** charged → applied: makes the purchase real and stores the answer, in one transaction. */
export async function applyCharge(
  deps: MppDeps,
  purchase: ChargedPurchase,
  charge: ChargeRow,
  receipt: Receipt.Receipt,
): Promise<StoredResponse> {
  return deps.services.db.transaction(async (tx) => {
    const response = await purchase.apply(tx, charge, receipt);
    await charges.update(tx, charge.id, {
      state: 'applied',
      paymentIntentId: receipt.reference,
      responseStatus: response.status,
      responseSealed: sealStoredResponse(deps.services.sealer, response),
    });
    return response;
  });
}

/** charging → failed: nothing was charged; what waited for the payment is removed. */
export async function failCharge(
  deps: MppDeps,
  purchase: ChargedPurchase,
  charge: ChargeRow,
  code: 'BILLING_004' | 'PAYMENT_003',
): Promise<void> {
  await deps.services.db.transaction(async (tx) => {
    await purchase.undo(tx, charge);
    await charges.update(tx, charge.id, { state: 'failed', failureCode: code });
  });
}

/** charging → charged → applied: charges a reserved credential; the applied answer or the error to give. */
export async function chargeAndApply(
  deps: MppDeps,
  purchase: ChargedPurchase,
  charge: ChargeRow,
  credential: MppCredential,
  scope: string,
): Promise<StoredResponse> {
  const outcome = await chargeCredential(deps, credential, {
    scope,
    cents: charge.amountCents,
    chargeId: charge.id,
    identityId: charge.identityId ?? '',
    operationId: charge.operationId,
  });
  let receipt: Receipt.Receipt;
  if (outcome.ok) {
    receipt = outcome.receipt;
  } else if (outcome.kind === 'declined') {
    await failCharge(deps, purchase, charge, 'BILLING_004');
    throw cardDeclined();
  } else {
    const found = await lookupCharge(deps, charge).catch(() => undefined);
    if (found?.found === 'failed') {
      await failCharge(deps, purchase, charge, 'BILLING_004');
      throw cardDeclined();
    }
    if (found?.found !== 'succeeded') {
      if (found === undefined || outcome.kind === 'uncertain') throw stripeUnreachable();
      await failCharge(deps, purchase, charge, 'PAYMENT_003');
      throw credentialRefused(outcome.reason);
    }
    receipt = receiptOf(found.paymentIntentId);
  }
  await charges.update(deps.services.db, charge.id, { state: 'charged', paymentIntentId: receipt.reference });
  try {
    return await applyCharge(deps, purchase, charge, receipt);
  } catch (error) {
    deps.services.logger.error('mpp booking failed after the charge; the reconciler will book it', {
      chargeId: charge.id,
      paymentIntent: receipt.reference,
      error: String(error),
    });
    throw bookingPending();
  }
}

/** A receipt for a charge found later through Stripe rather than returned by mppx. */
export function receiptOf(paymentIntentId: string): Receipt.Receipt {
  return Receipt.from({
    method: 'stripe',
    reference: paymentIntentId,
    status: 'success',
    timestamp: new Date().toISOString(),
  });
}

/**
 * charging → charged → applied, or → failed: concludes a charge left `charging` from what Stripe knows. Undefined when that is not final yet: the
 * charge stays open (in request mode the caller answers 503, the reconciler tries again later).
 */
export async function settleFromStripe(
  deps: MppDeps,
  purchase: ChargedPurchase,
  charge: ChargeRow,
  mode: 'request' | 'reconcile',
): Promise<StoredResponse | undefined> {
  let found: Awaited<ReturnType<typeof lookupCharge>>;
  try {
    found = await lookupCharge(deps, charge);
  } catch {
    return undefined;
  }
  if (found.found === 'succeeded') {
    await charges.update(deps.services.db, charge.id, {
      state: 'charged',
      paymentIntentId: found.paymentIntentId,
    });
    return applyCharge(deps, purchase, charge, receiptOf(found.paymentIntentId));
  }
  if (found.found === 'failed') {
    await failCharge(deps, purchase, charge, 'BILLING_004');
    if (mode === 'request') throw cardDeclined();
    return undefined;
  }
  // No PaymentIntent: Stripe creates it synchronously, so once the credential can no longer be used
  // (its challenge expired, with a margin) none will appear and nothing was charged.
  const stillUsable = deps.services.clock().getTime() < charge.createdAt.getTime() + CHALLENGE_LIFETIME_MS;
  if (!stillUsable) await failCharge(deps, purchase, charge, 'PAYMENT_003');
  return undefined;
}

/** Continues a charge whose lease the caller holds (a resent request or the reconciler). */
export async function continueCharge(
  deps: MppDeps,
  purchase: ChargedPurchase,
  charge: ChargeRow,
  mode: 'request' | 'reconcile',
): Promise<StoredResponse | undefined> {
  if (charge.state === 'charged' && charge.paymentIntentId) {
    return applyCharge(deps, purchase, charge, receiptOf(charge.paymentIntentId));
  }
  // Still `charging` after its request gave up: never charge again, ask Stripe what happened.
  return settleFromStripe(deps, purchase, charge, mode);
}
