/**
 * A payable call on the MPP rail. Where the operation may be paid with credits and the caller's
 * identity (its agent key, or the payment token of its credential) has enough, they pay; otherwise a
 * credential for the price pays directly; otherwise the 402 says what to do (for credit-priced
 * operations, PAYMENT_005: how to buy credits).
 */

import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  requestHash,
  validateIdempotencyKey,
} from '../../src/pipeline/idempotency.ts';
import type { OperationResponse } from '../../src/pipeline/operation-io.ts';
import type { PaidCall } from '../gateway/rail.ts';
import { type MppCredential, mppHeaderOf, readCredential } from './credential.ts';
import { identityOfSpt } from './identity.ts';
import type { MppDeps } from './mpp-deps.ts';
import { payWithCredential } from './pay-with-credential.ts';
import { purchaseOf } from './purchases.ts';
import { credentialRefused } from './responses.ts';
import { spendCredit } from './spend-credit.ts';

function credentialOf(deps: MppDeps, call: PaidCall): MppCredential | undefined {
  const header = mppHeaderOf(call.request.header);
  if (!header) return undefined;
  const read = readCredential(header, deps.config.secretKey);
  if (!read.ok) throw credentialRefused(read.reason);
  return read.credential;
}

async function challenge(call: PaidCall, code?: 'PAYMENT_005', message?: string): Promise<never> {
  const gateway = call.services.payments;
  if (!gateway) throw new Error('payment gateway missing');
  throw await gateway.paymentRequired(call.operation, code, message);
}

export async function payWithMpp(deps: MppDeps, call: PaidCall): Promise<OperationResponse> {
  const credential = credentialOf(deps, call);
  const creditPriced = call.operation.payment.credits !== undefined;
  if (creditPriced) {
    const keyIdentity = call.principal.kind === 'key' ? call.principal.agentIdentityId : null;
    const identityId =
      keyIdentity ?? (credential ? await identityOfSpt(deps.services.db, credential.sptHash) : undefined);
    if (identityId) {
      const paid = await spendCreditOnce(deps, call, identityId);
      if (paid) return paid;
    }
  }
  if (credential) {
    const purchase = purchaseOf(deps, call.operation, {
      input: call.input,
      requestId: call.request.requestId,
      now: call.now,
    });
    return payWithCredential(deps, call, credential, purchase);
  }
  if (!creditPriced) return challenge(call);
  return challenge(
    call,
    'PAYMENT_005',
    'insufficient credit balance - purchase a credit pack via POST /agent/credits, or pay for this call with a credential from the challenge',
  );
}

/**
 * Spends credits, honouring Idempotency-Key per agent identity (the response stored with what was
 * bought). The claim is leased, not tied to the handler's transaction: the debit commits before it.
 */
async function spendCreditOnce(
  deps: MppDeps,
  call: PaidCall,
  identityId: string,
): Promise<OperationResponse | undefined> {
  const key = call.request.header('idempotency-key');
  if (key === undefined) return spendCredit(deps, call, identityId);
  const { db, sealer } = deps.services;
  const claimed = await claimIdempotencyKey(
    db,
    sealer,
    { principal: `agent:${identityId}`, operationId: call.operation.id, key: validateIdempotencyKey(key) },
    requestHash(call.input),
    call.now,
  );
  if (claimed.kind === 'replay') return claimed.response;
  try {
    const paid = await spendCredit(deps, call, identityId, (tx, response) =>
      completeIdempotencyKey(tx, sealer, claimed, response),
    );
    if (!paid) await releaseIdempotencyKey(db, claimed);
    return paid;
  } catch (error) {
    await releaseIdempotencyKey(db, claimed);
    throw error;
  }
}

/** The agent an MPP credential proves (its payment token is bound to an identity), without charging it. */
export async function identifyByCredential(
  deps: MppDeps,
  header: string | undefined,
): Promise<string | undefined> {
  if (!header) return undefined;
  const read = readCredential(header, deps.config.secretKey);
  if (!read.ok) throw credentialRefused(read.reason);
  return identityOfSpt(deps.services.db, read.credential.sptHash);
}
