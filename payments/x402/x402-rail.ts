/**
 * The x402 rail as the gateway sees it: its part of the 402 challenge, whether a request carries an
 * x402 payment (PAYMENT-SIGNATURE or X-PAYMENT), paying, and the reconciler it runs in the background.
 */

import { KnownIdentities } from '../../src/domain/agents/identities.ts';
import { PRICES } from '../../src/domain/pricing.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import type { Services } from '../../src/services.ts';
import type { PaymentRail } from '../gateway/rail.ts';
import type { Reconciler } from '../periodic-pass.ts';
import { x402Challenge } from './challenge.ts';
import type { X402Config } from './config.ts';
import { paymentHeaderOf } from './decode-payment.ts';
import { createFacilitator, createSettler } from './facilitator.ts';
import { payWithX402 } from './pay.ts';
import { startReconciler } from './reconciler.ts';
import { createChainClient } from './settler.ts';
import type { X402Deps } from './x402-deps.ts';

export interface X402Rail extends PaymentRail {
  deps: X402Deps;
  reconciler: Reconciler;
}

export function createX402Rail(
  config: X402Config,
  services: Services,
  operations: readonly Operation[],
  publicUrl: string,
): X402Rail {
  const chain = createChainClient(config);
  const settler = config.settlerPrivateKey
    ? createSettler(config, services.db, config.settlerPrivateKey, chain)
    : undefined;
  const deps: X402Deps = {
    services,
    config,
    facilitator: createFacilitator(config, settler),
    chain,
    refunder: config.refundPrivateKey
      ? createSettler(config, services.db, config.refundPrivateKey, chain)
      : undefined,
    publicUrl,
    leaseMs: 2 * config.settleTimeoutMs + 1_000,
    known: new KnownIdentities(),
  };
  const reconciler = startReconciler(
    deps,
    new Map(operations.filter((o) => o.payable).map((o) => [o.id, o])),
  );
  return {
    name: 'x402',
    deps,
    reconciler,
    supports: (operation) => operation.payable === true && PRICES[operation.id]?.x402Atomic !== undefined,
    challenge: async (operation, price) => x402Challenge(config, operation, price, publicUrl),
    takes: (call) => paymentHeaderOf(call.request.header) !== undefined,
    pay: (call) => payWithX402(deps, call),
    close: () => reconciler.stop(),
  };
}
