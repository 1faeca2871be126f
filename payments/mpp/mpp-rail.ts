/**
 * The MPP rail as the gateway sees it: its `WWW-Authenticate: Payment` challenge, which calls it takes
 * (an MPP credential, or an agent key whose credits may pay), paying, proving identity for balance
 * lookups, card refunds, and finishing what requests left open.
 */

import { orphanDebits } from '../../src/domain/credits/orphan-debits.ts';
import { owedPackRefunds, sendPackRefund } from '../../src/domain/credits/pack-refunds.ts';
import { agentPrincipal } from '../../src/domain/principal.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import type { CardRefunds, Services } from '../../src/services.ts';
import type { PaymentRail } from '../gateway/rail.ts';
import { type Reconciler, startReconciler } from '../gateway/reconciler.ts';
import { stripeCardRefunds } from './card-refunds.ts';
import { mppChallenge } from './challenge.ts';
import { continueCharge } from './charge-settlement.ts';
import { charges } from './charge-store.ts';
import { createMppx, createStripeClient, type MppConfig } from './config.ts';
import { mppHeaderOf } from './credential.ts';
import type { MppDeps } from './mpp-deps.ts';
import { identifyByCredential, payWithMpp } from './pay.ts';
import { purchaseOf } from './purchases.ts';
import { refundDebit } from './spend-credit.ts';

export interface MppRail extends PaymentRail {
  deps: MppDeps;
  reconciler: Reconciler;
  cardRefunds: CardRefunds;
}

/** A debit without its campaign this long after it was booked belongs to a request that died. */
const ORPHAN_AFTER_MS = 2 * 60_000;

export function createMppRail(
  config: MppConfig,
  services: Services,
  operations: readonly Operation[],
  publicUrl: string,
): MppRail {
  const stripe = createStripeClient(config);
  const cardRefunds = stripeCardRefunds(stripe);
  const deps: MppDeps = {
    services,
    config,
    stripe,
    mppx: createMppx(config, stripe),
    publicUrl,
    leaseMs: 60_000,
  };
  const reconciler = startReconciler(services, operations, {
    name: 'mpp',
    intervalMs: config.reconcileIntervalMs,
    // Credits debited for something never created come back; pack refunds Stripe has not confirmed are
    // asked for again (their credits are reversed already; the same idempotency key refunds once).
    async alsoEachPass(now) {
      const orphans = await orphanDebits(services.db, new Date(now.getTime() - ORPHAN_AFTER_MS), 20);
      for (const orphan of orphans) {
        await refundDebit(
          deps,
          { ...orphan, resourceId: orphan.campaignId, entryId: orphan.id },
          'what the credits paid for was never created',
        );
      }
      let sent = 0;
      for (const owed of await owedPackRefunds(services.db, 20)) {
        try {
          await sendPackRefund(services.db, cardRefunds, owed, now);
          sent += 1;
        } catch (error) {
          services.logger.warn('mpp pack refund still not confirmed; retried next pass', {
            refundId: owed.refund.id,
            error: String(error),
          });
        }
      }
      return orphans.length + sent;
    },
    abandoned: (now, limit) => charges.abandoned(services.db, ['charging', 'charged'], now, limit),
    lease: (row, now) => charges.takeLease(services.db, row.id, now, deps.leaseMs),
    finish: (operation, charge) =>
      continueCharge(
        deps,
        purchaseOf(deps, operation, {
          input: charge.input,
          requestId: `reconcile_${charge.id}`,
          now: charge.createdAt,
        }),
        charge,
        'reconcile',
      ),
  });
  return {
    name: 'mpp',
    deps,
    reconciler,
    cardRefunds,
    supports: (operation) => operation.payment.price.mppCents !== undefined,
    challenge: (operation, price) => mppChallenge(deps.mppx, operation, price),
    carries: (request) => mppHeaderOf(request.header) !== undefined,
    // An agent key whose credits may pay.
    serves: (call) =>
      call.operation.payment.credits !== undefined &&
      call.principal.kind === 'key' &&
      call.principal.agentIdentityId !== null,
    pay: (call) => payWithMpp(deps, call),
    async identify(request) {
      const identityId = await identifyByCredential(deps, mppHeaderOf(request.header));
      return identityId ? agentPrincipal(services.systemUserId, identityId) : undefined;
    },
    close: () => reconciler.stop(),
  };
}
