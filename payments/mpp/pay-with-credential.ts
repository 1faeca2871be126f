/**
 * A call paid with an MPP credential, in the safe order: check the credential (ours, for this
 * operation and price) → (replay?) → bind the payer's identity and reserve the credential under a
 * unique constraint, together with whatever is bought created waiting for its payment → charge through
 * Stripe → apply in one transaction (charge-settlement.ts). A credential sent twice is charged once; a
 * charge whose answer was lost is found again through its PaymentIntent's metadata.
 */
import { holdSpendCaps } from '../../src/domain/payments/spend-caps.ts';
import { requestHash, validateIdempotencyKey } from '../../src/pipeline/idempotency.ts';
import type { OperationResponse } from '../../src/pipeline/operation-io.ts';
import { replayOf } from '../../src/pipeline/reservation.ts';
import { paymentOfAnotherIdentity } from '../gateway/payment-errors.ts';
import type { PaidCall } from '../gateway/rail.ts';
import { scopeOf } from './challenge.ts';
import { type ChargedPurchase, chargeAndApply, continueCharge } from './charge-settlement.ts';
import { type ChargeRow, charges, findCharge, findChargeByIdempotencyKey } from './charge-store.ts';
import type { MppCredential } from './credential.ts';
import { bindSpt, identityOfSpt } from './identity.ts';
import type { MppDeps } from './mpp-deps.ts';
import {
  cardDeclined,
  chargeInProgress,
  credentialRefused,
  credentialReused,
  stripeUnreachable,
} from './responses.ts';

/** The credential is taken by another request already: answer from its row. */
class ChargeTaken extends Error {}

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
    throw paymentOfAnotherIdentity('payment credential', 'this API key');
  }
  if (row.state === 'applied') return replayOf(deps.services.sealer, row);
  if (row.state === 'failed') {
    throw row.failureCode === 'BILLING_004'
      ? cardDeclined()
      : credentialRefused('this credential was refused before');
  }
  const leased = await charges.takeLease(deps.services.db, row.id, now, deps.leaseMs);
  if (!leased) throw chargeInProgress();
  const response = await continueCharge(deps, purchase, leased, 'request');
  if (!response) throw stripeUnreachable();
  return response;
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
      // Counted while the identity's row is held: parallel payments cannot pass a cap together.
      await holdSpendCaps(tx, identityId, {
        costCents: call.price.mppCents,
        buysCampaign: call.operation.payment.deferred !== undefined,
        now: call.now,
      });
      const reserved = await charges.claim(tx, {
        challengeId: credential.challengeId,
        sptHash: credential.sptHash,
        operationId: call.operation.id,
        requestHash: hash,
        idempotencyKey: idempotencyKey ?? null,
        input: call.input as Record<string, unknown>,
        amountCents: call.price.mppCents,
        identityId,
        state: 'charging',
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
