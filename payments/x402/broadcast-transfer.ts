/**
 * Sends the `transferWithAuthorization` of a verified EIP-3009 payment. The exact scheme's settle would
 * verify the payload again first (signature recovery and chain reads, milliseconds of CPU on every paid
 * call) although verify ran moments earlier; the token contract checks the same things when the
 * transaction executes. So iris verifies once, broadcasts here, and hands the transaction hash to the
 * scheme's settle, which then only waits for the receipt and checks its Transfer event.
 *
 * Counterfactual (ERC-6492) wallets never reach this point: verify refuses them, no factory being allowed.
 */
import type { FacilitatorEvmSigner } from '@x402/evm';
import { type ExactEIP3009Payload, eip3009ABI } from '@x402/evm';
import { type Address, getAddress, type Hex, parseErc6492Signature, parseSignature } from 'viem';
import { REASON } from './reasons.ts';

export type Broadcast = { hash: Hex } | { failed: string };

/** The x402 reason for a transfer the chain refused, read from the revert message. */
export function transferFailureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/authorization.*(expired|valid before)|AuthorizationExpired/i.test(message)) {
    return REASON.expired;
  }
  if (/authorization.*not.*valid|AuthorizationNotYetValid/i.test(message)) {
    return REASON.notYetValid;
  }
  if (/authorization.*used|AuthorizationAlreadyUsed|AuthorizationUsedOrCanceled/i.test(message)) {
    return REASON.nonceAlreadyUsed;
  }
  if (/transfer.*exceeds.*balance|insufficient.*balance|ERC20InsufficientBalance/i.test(message)) {
    return REASON.insufficientBalance;
  }
  if (/invalid.*signature|SignerMismatch|InvalidSignatureV|InvalidSignatureS/i.test(message)) {
    return REASON.invalidSignature;
  }
  return REASON.transactionFailed;
}

/** The contract call's arguments: (v, r, s) for a plain 65-byte signature, the bytes otherwise (ERC-1271). */
function transferArgs(payload: ExactEIP3009Payload): readonly unknown[] {
  const { signature } = parseErc6492Signature(payload.signature as Hex);
  const { authorization: auth } = payload;
  const base = [
    getAddress(auth.from),
    getAddress(auth.to),
    BigInt(auth.value),
    BigInt(auth.validAfter),
    BigInt(auth.validBefore),
    auth.nonce,
  ];
  if (signature.length !== 132) return [...base, signature];
  const parsed = parseSignature(signature);
  return [...base, parsed.v ?? BigInt(parsed.yParity), parsed.r, parsed.s];
}

/** Broadcasts the transfer; a refusal before broadcast (e.g. gas estimation reverted) is a failure reason. */
export async function broadcastTransfer(
  signer: FacilitatorEvmSigner,
  asset: Address,
  payload: ExactEIP3009Payload,
): Promise<Broadcast> {
  try {
    const hash = await signer.writeContract({
      address: getAddress(asset),
      abi: eip3009ABI,
      functionName: 'transferWithAuthorization',
      args: transferArgs(payload),
    });
    return { hash };
  } catch (error) {
    return { failed: transferFailureReason(error) };
  }
}
