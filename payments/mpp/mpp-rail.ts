/**
 * The MPP rail as the gateway sees it: its `WWW-Authenticate: Payment` challenge, which calls it takes
 * (an MPP credential, or an agent key whose credits pay), paying, proving identity for balance
 * lookups, and its reconciler.
 */

import { PRICES } from '../../src/domain/pricing.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import type { Services } from '../../src/services.ts';
import type { PaymentRail } from '../gateway/rail.ts';
import type { Reconciler } from '../periodic-pass.ts';
import { mppChallenge } from './challenge.ts';
import { createMppx, createStripeClient, type MppConfig } from './config.ts';
import { mppHeaderOf } from './credential.ts';
import type { MppDeps } from './mpp-deps.ts';
import { identifyByCredential, payWithMpp } from './pay.ts';
import { startMppReconciler } from './reconciler.ts';
import { agentPrincipalOf } from './spend-credit.ts';

export interface MppRail extends PaymentRail {
  deps: MppDeps;
  reconciler: Reconciler;
}

export function createMppRail(
  config: MppConfig,
  services: Services,
  operations: readonly Operation[],
  publicUrl: string,
): MppRail {
  const stripe = createStripeClient(config);
  const deps: MppDeps = {
    services,
    config,
    stripe,
    mppx: createMppx(config, stripe),
    publicUrl,
    leaseMs: 60_000,
  };
  const reconciler = startMppReconciler(
    deps,
    new Map(operations.filter((o) => o.payable).map((o) => [o.id, o])),
  );
  return {
    name: 'mpp',
    deps,
    reconciler,
    supports: (operation) => operation.payable === true && PRICES[operation.id]?.mppCents !== undefined,
    challenge: (operation, price) => mppChallenge(deps.mppx, operation, price),
    // Its credential, an agent key whose credits may pay, or an operation only MPP can pay for.
    takes: (call) =>
      mppHeaderOf(call.request.header) !== undefined ||
      (call.principal.kind === 'key' && call.principal.agentIdentityId !== null) ||
      PRICES[call.operation.id]?.x402Atomic === undefined,
    pay: (call) => payWithMpp(deps, call),
    async identify(request) {
      const identityId = await identifyByCredential(deps, mppHeaderOf(request.header));
      return identityId ? agentPrincipalOf(deps, identityId) : undefined;
    },
    close: () => reconciler.stop(),
  };
}
