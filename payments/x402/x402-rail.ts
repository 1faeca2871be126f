/**
 * The x402 rail as the gateway sees it: its part of the 402 challenge, whether a request carries an
 * x402 payment (PAYMENT-SIGNATURE or X-PAYMENT), paying, and finishing what requests left open.
 */

import { KnownIdentities } from '../../src/domain/agents/identities.ts';
import { agentPrincipal } from '../../src/domain/principal.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import type { Services } from '../../src/services.ts';
import type { PaymentRail } from '../gateway/rail.ts';
import { type Reconciler, startReconciler } from '../gateway/reconciler.ts';
import { authorizations } from './authorization-store.ts';
import { x402Challenge } from './challenge.ts';
import type { X402Config } from './config.ts';
import { paymentHeaderOf } from './decode-payment.ts';
import { createFacilitator, createSettler } from './facilitator.ts';
import { identifyByPayment } from './identify.ts';
import { payWithX402 } from './pay.ts';
import { continueSettlement } from './settlement.ts';
import { createChainClient } from './settler.ts';
import { identifyBySiwx } from './siwx.ts';
import type { X402Deps } from './x402-deps.ts';
import { x402Wire } from './x402-wire.ts';

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
  const reconciler = startReconciler(services, operations, {
    name: 'x402',
    intervalMs: config.reconcileIntervalMs,
    abandoned: (now, limit) =>
      authorizations.abandoned(services.db, ['reserved', 'submitted', 'refund_owed'], now, limit),
    lease: (row, now) => authorizations.takeLease(services.db, row.id, now, deps.leaseMs),
    finish: (operation, row) => continueSettlement(deps, operation, row, 'reconcile', `reconcile_${row.id}`),
  });
  return {
    name: 'x402',
    deps,
    reconciler,
    supports: (operation) => x402Wire.openapi.accepts(operation),
    challenge: async (operation, price) => x402Challenge(config, operation, price, publicUrl),
    carries: (request) => paymentHeaderOf(request.header) !== undefined,
    pay: (call) => payWithX402(deps, call),
    async signIn(request) {
      const identityId = await identifyBySiwx(deps, request);
      return identityId ? agentPrincipal(services.systemUserId, identityId) : undefined;
    },
    async identify(request) {
      const identityId = await identifyByPayment(deps, request);
      return identityId ? agentPrincipal(services.systemUserId, identityId) : undefined;
    },
    close: () => reconciler.stop(),
  };
}
