/**
 * A call paid with an MPP credential, in the safe order: check the credential (ours, for this
 * operation and price) → (replay?) → bind the payer's identity and reserve the credential under a
 * unique constraint, together with whatever is bought created inactive → charge through Stripe →
 * apply in one transaction. A credential sent twice is charged once; a charge whose answer was lost is
 * found again by the reconciler through its PaymentIntent's metadata.
 */
import { Receipt } from 'mppx';
import type { Db } from '../../db/client.ts';
import { ApiError } from '../../src/errors/api-error.ts';
import {
  openStoredResponse,
  requestHash,
  sealStoredResponse,
  validateIdempotencyKey,
} from '../../src/pipeline/idempotency.ts';
import type { OperationResponse, StoredResponse } from '../../src/pipeline/operation-io.ts';
import type { PaidCall } from '../gateway/rail.ts';
import { scopeOf } from './challenge.ts';
import { chargeCredential } from './charge.ts';
import {
  type ChargeRow,
  findCharge,
  findChargeByIdempotencyKey,
  reserveCharge,
  takeChargeLease,
  updateCharge,
} from './charge-store.ts';
import type { MppCredential } from './credential.ts';
import { bindSpt, identityOfSpt } from './identity.ts';
import type { MppDeps } from './mpp-deps.ts';
import {
  bookingPending,
  cardDeclined,
  chargeInProgress,
  credentialRefused,
  credentialReused,
  stripeUnreachable,
} from './responses.ts';
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

/** The credential is taken by another request already: answer from its row. */
export class ChargeTaken extends Error {}

/** Makes a charged purchase real and marks the charge applied, in one transaction. */
export async function applyCharge(
  deps: MppDeps,
  purchase: ChargedPurchase,
  charge: ChargeRow,
  receipt: Receipt.Receipt,
): Promise<StoredResponse> {
  return deps.services.db.transaction(async (tx) => {
    const response = await purchase.apply(tx, charge, receipt);
    await updateCharge(tx, charge.id, {
      state: 'applied',
      paymentIntentId: receipt.reference,
      responseStatus: response.status,
      responseSealed: sealStoredResponse(deps.services.sealer, response),
    });
    return response;
  });
}

export async function failCharge(
  deps: MppDeps,
  purchase: ChargedPurchase,
  charge: ChargeRow,
  code: 'BILLING_004' | 'PAYMENT_003',
): Promise<void> {
  await deps.services.db.transaction(async (tx) => {
    await purchase.undo(tx, charge);
    await updateCharge(tx, charge.id, { state: 'failed', failureCode: code });
  });
}

/**
 * Charges a reserved credential and concludes: the applied response, or the error to answer. A failure
 * is only believed once Stripe confirms no PaymentIntent of this charge succeeded; a charge whose
 * booking fails stays `charged` and the reconciler books it.
 */
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
  await updateCharge(deps.services.db, charge.id, { state: 'charged', paymentIntentId: receipt.reference });
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

async function answerFrom(
  deps: MppDeps,
  purchase: ChargedPurchase,
  row: ChargeRow,
  hash: string,
  keyIdentity: string | null,
  now: Date,
): Promise<OperationResponse> {
  if (row.requestHash !== hash) throw credentialReused();
  // A replay answers with what the first request got (an agent key included): only to that identity.
  if (keyIdentity && row.identityId !== keyIdentity) {
    throw new ApiError(
      'AUTH_002',
      'this payment credential belongs to another agent identity than this API key',
    );
  }
  if (row.state === 'applied') {
    const stored = openStoredResponse(deps.services.sealer, row);
    return { ...stored, headers: { ...stored.headers, 'Idempotent-Replayed': 'true' } };
  }
  if (row.state === 'failed') {
    throw row.failureCode === 'BILLING_004'
      ? cardDeclined()
      : credentialRefused('this credential was refused before');
  }
  const leased = await takeChargeLease(deps.services.db, row.id, now, deps.leaseMs);
  if (!leased) throw chargeInProgress();
  if (leased.state === 'charged' && leased.paymentIntentId) {
    return applyCharge(deps, purchase, leased, receiptOf(leased.paymentIntentId));
  }
  // Still `charging` after its request gave up: never charge again, ask Stripe what happened.
  const response = await settleFromStripe(deps, purchase, leased, 'request');
  if (!response) throw stripeUnreachable();
  return response;
}

/**
 * Concludes a charge left `charging` from what Stripe knows. Undefined when that is not final yet: the
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
    await updateCharge(deps.services.db, charge.id, {
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

export async function payWithCredential(
  deps: MppDeps,
  call: PaidCall,
  credential: MppCredential,
  purchase: ChargedPurchase,
): Promise<OperationResponse> {
  const scope = scopeOf(call.operation);
  if (credential.scope !== scope)
    throw credentialRefused(
      `the challenge was issued for ${credential.scope ?? 'another operation'}, not ${scope}`,
    );
  if (credential.amountCents !== call.price.mppCents) {
    throw credentialRefused(
      `the challenge is for ${credential.amountCents} cents; this costs ${call.price.mppCents}`,
    );
  }
  const hash = requestHash({ operation: call.operation.id, input: call.input });
  const keyIdentity = call.principal.kind === 'key' ? call.principal.agentIdentityId : null;
  const existing = await findCharge(deps.services.db, credential.challengeId, credential.sptHash);
  if (existing) return answerFrom(deps, purchase, existing, hash, keyIdentity, call.now);

  // A retry of a call whose answer was lost, with a fresh credential: answer from the first charge.
  const idempotencyKey = call.request.header('idempotency-key');
  if (idempotencyKey !== undefined) validateIdempotencyKey(idempotencyKey);
  const byKey = async () => {
    if (idempotencyKey === undefined) return undefined;
    const identityId = keyIdentity ?? (await identityOfSpt(deps.services.db, credential.sptHash));
    if (!identityId) return undefined;
    return findChargeByIdempotencyKey(deps.services.db, {
      identityId,
      operationId: call.operation.id,
      idempotencyKey,
    });
  };
  const earlier = await byKey();
  if (earlier) return answerFrom(deps, purchase, earlier, hash, keyIdentity, call.now);

  let charge: ChargeRow;
  try {
    charge = await purchase.prepare(async (tx) => {
      const identityId = await bindSpt(tx, credential.sptHash, keyIdentity);
      const reserved = await reserveCharge(tx, {
        challengeId: credential.challengeId,
        sptHash: credential.sptHash,
        operationId: call.operation.id,
        requestHash: hash,
        idempotencyKey: idempotencyKey ?? null,
        input: call.input as Record<string, unknown>,
        amountCents: call.price.mppCents,
        identityId,
        lockedUntil: new Date(call.now.getTime() + deps.leaseMs),
      });
      if (!reserved) throw new ChargeTaken();
      return { identityId, charge: reserved };
    });
  } catch (error) {
    if (!(error instanceof ChargeTaken)) throw error;
    const other =
      (await findCharge(deps.services.db, credential.challengeId, credential.sptHash)) ?? (await byKey());
    if (!other) throw chargeInProgress();
    return answerFrom(deps, purchase, other, hash, keyIdentity, call.now);
  }
  return chargeAndApply(deps, purchase, charge, credential, scope);
}
