/**
 * A call paid with x402, in the order that makes it safe: decode → (replay?) → verify → reserve the
 * authorization under its unique constraint → create what was bought, waiting for its payment, in one
 * transaction → settle → make it live (settlement.ts). The same authorization sent twice, in parallel or after a lost response, runs the
 * handler once and moves money once.
 */
import { randomUUID } from 'node:crypto';
import { getAddress } from 'viem';
import { upsertIdentity } from '../../src/domain/agents/identities.ts';
import { centsOfUsdc, holdSpendCaps } from '../../src/domain/payments/spend-caps.ts';
import { x402Amount } from '../../src/domain/pricing.ts';
import { agentPrincipal } from '../../src/domain/principal.ts';
import type { ApiError } from '../../src/errors/api-error.ts';
import { requestHash } from '../../src/pipeline/idempotency.ts';
import type { OperationResponse } from '../../src/pipeline/operation-io.ts';
import { runHandler } from '../../src/pipeline/run-handler.ts';
import { paymentOfAnotherIdentity, paymentReused } from '../gateway/payment-errors.ts';
import type { PaidCall } from '../gateway/rail.ts';
import {
  type AuthorizationRow,
  authorizations,
  findByIdempotencyKey,
  findByNonce,
  payloadHash,
} from './authorization-store.ts';
import { paymentRequirements } from './challenge.ts';
import { decodePayment, paymentHeaderOf } from './decode-payment.ts';
import { ChainUnavailableError } from './facilitator.ts';
import { retryKeyOf } from './payment-identifier.ts';
import { REASON } from './reasons.ts';
import { authorizationInProgress, chainUnavailable, verificationFailed } from './responses.ts';
import { answerSettlement, continueSettlement, settle } from './settlement.ts';
import type { X402Deps } from './x402-deps.ts';

/** A promise held until `open` (or rejected by `cancel`); never reported as unhandled. */
function openingGate() {
  let open!: () => void;
  let cancel!: (reason: unknown) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    cancel = reject;
  });
  promise.catch(() => undefined);
  return { promise, open, cancel };
}

/** The authorization is reserved by another request: leave the transaction and answer from its row. */
class ReservationTaken extends Error {}

function idOf(data: unknown): string | null {
  return data && typeof data === 'object' && 'id' in data && typeof data.id === 'string' ? data.id : null;
}

/** A request met a row someone already started: answer from it, continuing it if nobody holds it. */
async function resumeForRequest(
  deps: X402Deps,
  call: PaidCall,
  row: AuthorizationRow,
  hash: string,
): Promise<OperationResponse> {
  if (row.requestHash !== hash || row.operationId !== call.operation.id) {
    throw paymentReused('payment authorization (or Idempotency-Key)', 'sign a new one');
  }
  // A replay answers with what the first request got (an agent key included): only to that identity.
  if (call.principal.kind === 'key' && call.principal.agentIdentityId !== row.identityId) {
    throw paymentOfAnotherIdentity('payment', 'this API key');
  }
  const leased =
    row.state === 'settled' || row.state === 'refund_owed' || row.state === 'refunded'
      ? row
      : await authorizations.takeLease(deps.services.db, row.id, call.now, deps.leaseMs);
  if (!leased) throw authorizationInProgress();
  const response = await continueSettlement(deps, call.operation, leased, 'request', call.request.requestId);
  if (!response) throw authorizationInProgress();
  return response;
}

/** What a paid call knows once its payment header is decoded. */
interface Presented {
  decoded: Extract<ReturnType<typeof decodePayment>, { ok: true }>;
  requirements: ReturnType<typeof paymentRequirements>;
  payer: string;
  nonce: string;
  signed: string;
  hash: string;
  idempotencyKey: string | undefined;
  fail: (reason: string) => ApiError;
}

/**
 * Everything before the reservation: a replay or an Idempotency-Key retry is answered from its row
 * (returned), a payment the facilitator refuses is refused (thrown); undefined means a new, verified
 * payment to reserve.
 */
async function answerKnownOrVerify(
  deps: X402Deps,
  call: PaidCall,
  p: Presented,
): Promise<OperationResponse | undefined> {
  const { services, config } = deps;
  // The very same signed authorization again: answered from its row, never settled twice. The local
  // facilitator's checks (reads of our own chain node) run meanwhile and are dropped for a replay; a
  // remote facilitator is only asked once the authorization is known to be new.
  const byNonce = () =>
    findByNonce(services.db, {
      network: config.network.id,
      asset: config.asset,
      payer: p.payer,
      nonce: p.nonce,
    });
  const verify = () =>
    deps.facilitator.verify(p.decoded.payload, p.requirements).then(
      (response) => ({ response }),
      (error: unknown) => ({ error }),
    );
  const early = deps.facilitator.kind === 'local' ? verify() : undefined;
  const existing = await byNonce();
  if (existing) {
    if (existing.payloadHash !== p.signed) throw p.fail(REASON.nonceAlreadyUsed);
    return resumeForRequest(deps, call, existing, p.hash);
  }
  const checked = await (early ?? verify());
  if ('error' in checked) {
    if (checked.error instanceof ChainUnavailableError) throw chainUnavailable();
    throw checked.error;
  }
  const verified = checked.response;
  if (!verified.isValid) {
    // A copy of this authorization sent at the same time may have settled it meanwhile (the chain then
    // calls it used): that copy's answer is this one's too.
    const settledMeanwhile = await byNonce();
    if (settledMeanwhile?.payloadHash === p.signed)
      return resumeForRequest(deps, call, settledMeanwhile, p.hash);
    throw p.fail(verified.invalidReason ?? REASON.invalidPayment);
  }
  // A retry of a request whose response was lost, signed afresh: answer with the first one.
  if (p.idempotencyKey !== undefined) {
    const earlier = await findByIdempotencyKey(services.db, {
      payer: p.payer,
      operationId: call.operation.id,
      idempotencyKey: p.idempotencyKey,
    });
    if (earlier) return resumeForRequest(deps, call, earlier, p.hash);
  }
  return undefined;
}

export async function payWithX402(deps: X402Deps, call: PaidCall): Promise<OperationResponse> {
  const { services, config } = deps;
  const fail = (reason: string) =>
    verificationFailed(config, call.operation, call.price, deps.publicUrl, reason);
  const decoded = decodePayment(paymentHeaderOf(call.request.header) ?? '', config.network);
  if (!decoded.ok) throw fail(decoded.reason);

  const requirements = paymentRequirements(config, call.price);
  const authorization = decoded.exact.authorization;
  const payer = getAddress(authorization.from);
  const nonce = authorization.nonce.toLowerCase();
  const signed = payloadHash(decoded.exact);
  const hash = requestHash({ operation: call.operation.id, input: call.input });
  const retry = retryKeyOf(decoded.payload, call.request.header('idempotency-key'));
  if ('invalid' in retry) throw fail(`invalid_payment_identifier: ${retry.invalid}`);
  const idempotencyKey = retry.key;

  // Settling starts at once, held by a gate: what comes before its broadcast (the transaction's gas and
  // fees, asked of the chain) runs alongside verify and the reservation. Nothing is broadcast before the
  // gate opens, which only happens once the payment is verified and its reservation committed; every
  // other ending cancels it. (Verify's own chain reads are the same kind of work, for every payload.)
  let row: AuthorizationRow | undefined;
  const gate = openingGate();
  const payment = { payload: decoded.payload, requirements };
  const settling = settle(deps, () => row as AuthorizationRow, payment, {
    gate: gate.promise,
  });
  let known: OperationResponse | undefined;
  try {
    known = await answerKnownOrVerify(deps, call, {
      decoded,
      requirements,
      payer,
      nonce,
      signed,
      hash,
      idempotencyKey,
      fail,
    });
  } catch (error) {
    gate.cancel(error);
    throw error;
  }
  if (known) {
    gate.cancel(new Error('answered from an earlier request'));
    return known;
  }

  // One transaction: the identity, the reservation (unique per authorization: a concurrent duplicate
  // waits here and then finds it taken) naming what is bought, and that resource, waiting for payment.
  // Its id is chosen here, so the reservation names it from the start.
  const newId = randomUUID();
  let reservedIdentity: string | undefined;
  const byNonce = () =>
    findByNonce(services.db, { network: config.network.id, asset: config.asset, payer, nonce });
  try {
    await runHandler(
      services,
      call.operation,
      call.input,
      {
        principal: call.principal,
        requestId: call.request.requestId,
        services,
        now: call.now,
        payment: { rail: 'x402' },
        newId,
      },
      {
        before: async (tx) => {
          const identityId = deps.known.idOf('wallet', payer) ?? (await upsertIdentity(tx, 'wallet', payer));
          reservedIdentity = identityId;
          if (call.principal.kind === 'key' && call.principal.agentIdentityId !== identityId) {
            throw paymentOfAnotherIdentity('API key', 'the paying wallet');
          }
          // Counted while the identity's row is held: parallel payments cannot pass a cap together.
          await holdSpendCaps(tx, identityId, {
            costCents: centsOfUsdc(x402Amount(call.price)),
            buysCampaign: call.operation.payment.deferred !== undefined,
            now: call.now,
          });
          row = await authorizations.claim(tx, {
            network: config.network.id,
            asset: config.asset,
            payer,
            nonce,
            payloadHash: signed,
            payloadSealed: services.sealer.seal(JSON.stringify({ payload: decoded.payload, requirements })),
            amountAtomic: x402Amount(call.price),
            payTo: config.payTo,
            validBefore: Number(authorization.validBefore),
            operationId: call.operation.id,
            requestHash: hash,
            idempotencyKey: idempotencyKey ?? null,
            identityId,
            resourceId: newId,
            state: 'reserved',
            lockedUntil: new Date(call.now.getTime() + deps.leaseMs),
          });
          if (!row) throw new ReservationTaken();
          return { principal: agentPrincipal(services.systemUserId, identityId) };
        },
        after: async (_tx, run) => {
          // The reservation names the id the operation was given: one that ignores it cannot be paid for.
          if (idOf(run.result.data) !== newId) {
            throw new Error(
              `${call.operation.id} did not create its resource under the id given (ctx.newId)`,
            );
          }
        },
      },
    );
  } catch (error) {
    // Nothing may be sent for this request: cancel the settlement and let it wind down first.
    gate.cancel(error);
    await settling;
    if (!(error instanceof ReservationTaken)) throw error;
    // Someone holds this authorization (or Idempotency-Key) already: answer from their row.
    const other =
      (await byNonce()) ??
      (idempotencyKey !== undefined
        ? await findByIdempotencyKey(services.db, { payer, operationId: call.operation.id, idempotencyKey })
        : undefined);
    if (!other) throw authorizationInProgress();
    if (other.payloadHash !== signed && other.nonce === nonce) throw fail(REASON.nonceAlreadyUsed);
    return resumeForRequest(deps, call, other, hash);
  }
  // Committed: the identity exists for good.
  if (reservedIdentity) deps.known.remember('wallet', payer, reservedIdentity);
  gate.open();
  return answerSettlement(
    deps,
    call.operation,
    row as unknown as AuthorizationRow,
    await settling,
    call.request.requestId,
  );
}
