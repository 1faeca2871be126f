/**
 * The agent an x402 payment header proves to be without paying again: the very same signed
 * authorization it paid (or is paying) with, found by its nonce. Lets a payer read what became of its
 * payment with nothing but the proof it sent.
 */
import { getAddress } from 'viem';
import type { OperationRequest } from '../../src/pipeline/operation-io.ts';
import { findByNonce, payloadHash } from './authorization-store.ts';
import { decodePayment, paymentHeaderOf } from './decode-payment.ts';
import type { X402Deps } from './x402-deps.ts';

export async function identifyByPayment(
  deps: X402Deps,
  request: OperationRequest,
): Promise<string | undefined> {
  const header = paymentHeaderOf(request.header);
  if (header === undefined) return undefined;
  const decoded = decodePayment(header, deps.config.network);
  if (!decoded.ok) return undefined;
  const { authorization } = decoded.exact;
  const row = await findByNonce(deps.services.db, {
    network: deps.config.network.id,
    asset: deps.config.asset,
    payer: getAddress(authorization.from),
    nonce: authorization.nonce.toLowerCase(),
  });
  if (!row || row.payloadHash !== payloadHash(decoded.exact)) return undefined;
  return row.identityId ?? undefined;
}
