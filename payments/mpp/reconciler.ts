/**
 * The MPP rail's background task: charges whose request died are concluded from Stripe (booked when the
 * PaymentIntent succeeded, dropped when none exists once the credential has expired), and credits
 * debited for a campaign that was never created are refunded.
 */
import { sql } from 'drizzle-orm';
import { queryRows } from '../../db/client.ts';
import { errorFields } from '../../src/logger.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import { type Reconciler, startPeriodicPass } from '../periodic-pass.ts';
import { type ChargeRow, openCharges, takeChargeLease } from './charge-store.ts';
import { applyCharge, type ChargedPurchase, receiptOf, settleFromStripe } from './charged-call.ts';
import type { MppDeps } from './mpp-deps.ts';
import { campaignPurchase, packPurchase } from './purchases.ts';
import { refundDebit } from './spend-credit.ts';

const BATCH = 20;
/** A debit without its campaign this long after it was booked belongs to a request that died. */
const ORPHAN_AFTER_MS = 2 * 60_000;

function purchaseFor(deps: MppDeps, operation: Operation, charge: ChargeRow): ChargedPurchase {
  const requestId = `reconcile_${charge.id}`;
  return operation.id === 'credits.purchase'
    ? packPurchase(deps, operation, requestId)
    : campaignPurchase(deps, operation, charge.input, requestId, charge.createdAt);
}

export function startMppReconciler(
  deps: MppDeps,
  operationsById: ReadonlyMap<string, Operation>,
): Reconciler {
  const refundOrphans = async (now: Date): Promise<number> => {
    const orphans = await queryRows<{ id: string; identity_id: string; campaign_id: string }>(
      deps.services.db,
      sql`select d.id, d.identity_id, d.campaign_id from credit_entries d
          where d.kind = 'debit' and d.created_at < ${new Date(now.getTime() - ORPHAN_AFTER_MS).toISOString()}::timestamptz
            and not exists (select 1 from campaigns c where c.id = d.campaign_id)
            and not exists (select 1 from credit_entries r where r.reverses_entry_id = d.id)
          limit ${BATCH}`,
    );
    for (const orphan of orphans) {
      await refundDebit(
        deps,
        orphan.identity_id,
        orphan.campaign_id,
        orphan.id,
        'the campaign was never created',
      );
    }
    return orphans.length;
  };

  return startPeriodicPass(
    async (stopped) => {
      const now = deps.services.clock();
      let handled = await refundOrphans(now);
      for (const candidate of await openCharges(deps.services.db, now, BATCH)) {
        if (stopped()) break;
        const operation = operationsById.get(candidate.operationId);
        if (!operation) continue;
        const charge = await takeChargeLease(deps.services.db, candidate.id, now, deps.leaseMs);
        if (!charge) continue;
        try {
          const purchase = purchaseFor(deps, operation, charge);
          if (charge.state === 'charged' && charge.paymentIntentId) {
            await applyCharge(deps, purchase, charge, receiptOf(charge.paymentIntentId));
          } else {
            await settleFromStripe(deps, purchase, charge, 'reconcile');
          }
          handled += 1;
        } catch (error) {
          deps.services.logger.warn('mpp reconcile step did not finish', {
            chargeId: charge.id,
            ...errorFields(error),
          });
        }
      }
      return handled;
    },
    { intervalMs: deps.config.reconcileIntervalMs, logger: deps.services.logger, name: 'mpp reconcile' },
  );
}
