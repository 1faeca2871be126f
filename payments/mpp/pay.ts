/**
 * A payable call on the MPP rail. Credit packs are bought with a credential for their price. Campaigns
 * are paid with a credit when the caller's identity (its agent key, or the payment token of its
 * credential) has one; otherwise a credential for the campaign price pays directly; otherwise 402
 * PAYMENT_005 says how to buy credits.
 */

import { PACKS, packOf } from '../../src/domain/credits/packs.ts';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  requestHash,
  validateIdempotencyKey,
} from '../../src/pipeline/idempotency.ts';
import type { OperationResponse } from '../../src/pipeline/operation-io.ts';
import type { PaidCall } from '../gateway/rail.ts';
import { payWithCredential } from './charged-call.ts';
import { type MppCredential, mppHeaderOf, readCredential } from './credential.ts';
import { identityOfSpt } from './identity.ts';
import type { MppDeps } from './mpp-deps.ts';
import { campaignPurchase, packPurchase } from './purchases.ts';
import { credentialRefused, unknownPack } from './responses.ts';
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
  if (call.operation.id === 'credits.purchase') {
    const pack = (call.input as { pack: string }).pack;
    if (!packOf(pack)) throw unknownPack(pack, Object.keys(PACKS));
    const credential = credentialOf(deps, call);
    if (!credential) return challenge(call);
    return payWithCredential(
      deps,
      call,
      credential,
      packPurchase(deps, call.operation, call.request.requestId),
    );
  }

  const credential = credentialOf(deps, call);
  const keyIdentity = call.principal.kind === 'key' ? call.principal.agentIdentityId : null;
  const identityId =
    keyIdentity ?? (credential ? await identityOfSpt(deps.services.db, credential.sptHash) : undefined);
  if (identityId) {
    const paid = await spendCreditOnce(deps, call, identityId);
    if (paid) return paid;
  }
  if (credential) {
    return payWithCredential(
      deps,
      call,
      credential,
      campaignPurchase(deps, call.operation, call.input, call.request.requestId, call.now),
    );
  }
  return challenge(
    call,
    'PAYMENT_005',
    'insufficient credit balance - purchase a credit pack via POST /agent/credits, or pay for this call with a credential from the challenge',
  );
}

/** Spends a credit, honouring Idempotency-Key per agent identity (the response stored with the campaign). */
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
  if (claimed.kind === 'replay') {
    return { ...claimed.response, headers: { ...claimed.response.headers, 'Idempotent-Replayed': 'true' } };
  }
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
