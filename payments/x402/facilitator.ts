/**
 * The x402 facilitator port: verify and settle a payment. Local by default (@x402/evm's exact scheme
 * over our settler, no hosted service involved); X402_FACILITATOR_URL switches to a remote facilitator
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
import { ExactEvmScheme } from '@x402/evm/exact/facilitator';
import type { Hex } from 'viem';
import type { X402Config } from './config.ts';
import { type CallScope, createSettler, isTransportError, type Settler } from './settler.ts';

export class ChainUnavailableError extends Error {}

export interface SettleOptions {
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
      const scope: CallScope = {};
      return guard(scope, () => new ExactEvmScheme(settler.signerFor(scope)).verify(payload, requirements));
    },
    settle(payload, requirements, options = {}) {
      const scope: CallScope = { onBroadcast: options.onBroadcast };
      const scheme = new ExactEvmScheme(settler.signerFor(scope), {
        pendingSettlementStore: singleUseStore(options.knownTransaction, signatureOf(payload)),
      });
      return guard(scope, () => scheme.settle(payload, requirements));
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
            invalidReason: error.invalidReason ?? 'invalid_payment',
            payer: error.payer,
          };
        }
        throw unreachable(error);
      }
    },
    async settle(payload, requirements) {
      try {
        return await client.settle(payload, requirements);
      } catch (error) {
        if (error instanceof SettleError) {
          return {
            success: false,
            errorReason: error.errorReason ?? 'settlement_failed',
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
