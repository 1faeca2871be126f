/**
 * The x402 facilitator port: verify and settle a payment. Local by default (@x402/evm's exact scheme
 * over our settler, no hosted service involved: verify is the scheme's, the transfer is broadcast once
 * verified and the scheme's settle waits for it and checks its Transfer event); X402_FACILITATOR_URL
 * switches to a remote facilitator
 * over the x402 HTTP API. Transport failures surface as ChainUnavailableError, never as an invalid
 * payment, so an unreachable chain cannot be mistaken for a bad signature.
 */
import { HTTPFacilitatorClient } from '@x402/core/http';
import {
  type PaymentPayload,
  type PaymentRequirements,
  SettleError,
  type SettleResponse,
  VerifyError,
  type VerifyResponse,
} from '@x402/core/types';
import { type ExactEIP3009Payload, type ExactEvmPayloadV2, isEIP3009Payload } from '@x402/evm';
import { ExactEvmScheme } from '@x402/evm/exact/facilitator';
import type { Address, Hex } from 'viem';
import { broadcastTransfer } from './broadcast-transfer.ts';
import type { X402Config } from './config.ts';
import { REASON } from './reasons.ts';
import { type CallScope, createSettler, isTransportError, type Settler } from './settler.ts';

export class ChainUnavailableError extends Error {}

export interface SettleOptions {
  /**
   * Nothing is broadcast before this settles (a rejection cancels the settlement): preparing the
   * transaction may start early, sending it only once the payment's reservation is committed.
   */
  gate?: Promise<unknown>;
  /** Called as soon as the settlement transaction is broadcast (local settlement only). */
  onBroadcast?: (hash: Hex) => Promise<void>;
  /** A transaction already broadcast for this payment: wait for it instead of sending another. */
  knownTransaction?: Hex;
}

export interface Facilitator {
  kind: 'local' | 'remote';
  verify(payload: PaymentPayload, requirements: PaymentRequirements): Promise<VerifyResponse>;
  settle(
    payload: PaymentPayload,
    requirements: PaymentRequirements,
    options?: SettleOptions,
  ): Promise<SettleResponse>;
}

function singleUseStore(known: Hex | undefined, signature: string) {
  let pending = known;
  return {
    get: async (key: string) => (key === signature ? pending : undefined),
    set: async (_key: string, tx: string) => {
      pending = tx as Hex;
    },
    delete: async () => {
      pending = undefined;
    },
  };
}

function signatureOf(payload: PaymentPayload): string {
  const signature = (payload.payload as { signature?: unknown }).signature;
  return typeof signature === 'string' ? signature : '';
}

export function createLocalFacilitator(settler: Settler): Facilitator {
  const guard = async <T>(scope: CallScope, call: () => Promise<T>): Promise<T> => {
    let result: T;
    try {
      result = await call();
    } catch (error) {
      if (isTransportError(error) || scope.transportError) throw new ChainUnavailableError(String(error));
      throw error;
    }
    if (scope.transportError) throw new ChainUnavailableError(String(scope.transportError));
    return result;
  };
  return {
    kind: 'local',
    verify(payload, requirements) {
      const scope: CallScope = { memo: new Map() };
      return guard(scope, () => new ExactEvmScheme(settler.signerFor(scope)).verify(payload, requirements));
    },
    settle(payload, requirements, options = {}) {
      const scope: CallScope = { onBroadcast: options.onBroadcast, gate: options.gate };
      const signer = settler.signerFor(scope);
      return guard(scope, async (): Promise<SettleResponse> => {
        let transaction = options.knownTransaction;
        if (!transaction && isEIP3009Payload(payload.payload as ExactEvmPayloadV2)) {
          const sent = await broadcastTransfer(
            signer,
            requirements.asset as Address,
            payload.payload as ExactEIP3009Payload,
          );
          if ('failed' in sent) {
            return {
              success: false,
              errorReason: sent.failed,
              transaction: '',
              network: requirements.network,
              payer: (payload.payload as ExactEIP3009Payload).authorization.from,
            };
          }
          transaction = sent.hash;
        }
        // With a transaction known, the scheme only waits for its receipt and checks the Transfer event.
        const scheme = new ExactEvmScheme(signer, {
          pendingSettlementStore: singleUseStore(transaction, signatureOf(payload)),
        });
        return scheme.settle(payload, requirements);
      });
    },
  };
}

export function createRemoteFacilitator(url: string): Facilitator {
  const client = new HTTPFacilitatorClient({ url });
  const unreachable = (error: unknown) => new ChainUnavailableError(`facilitator ${url}: ${String(error)}`);
  return {
    kind: 'remote',
    async verify(payload, requirements) {
      try {
        return await client.verify(payload, requirements);
      } catch (error) {
        // A refusal is an answer, not an outage.
        if (error instanceof VerifyError) {
          return {
            isValid: false,
            invalidReason: error.invalidReason ?? REASON.invalidPayment,
            payer: error.payer,
          };
        }
        throw unreachable(error);
      }
    },
    async settle(payload, requirements, options = {}) {
      // The remote facilitator broadcasts as soon as it is asked: never before the gate opens.
      await options.gate;
      try {
        return await client.settle(payload, requirements);
      } catch (error) {
        if (error instanceof SettleError) {
          return {
            success: false,
            errorReason: error.errorReason ?? REASON.settlementFailed,
            transaction: error.transaction,
            network: error.network,
            payer: error.payer,
          };
        }
        throw unreachable(error);
      }
    },
  };
}

export function createFacilitator(config: X402Config, settler: Settler | undefined): Facilitator {
  if (config.facilitatorUrl) return createRemoteFacilitator(config.facilitatorUrl);
  if (!settler) throw new Error('x402: no settler key and no facilitator URL');
  return createLocalFacilitator(settler);
}

export { createSettler };
