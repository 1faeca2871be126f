/**
 * mpp_charges: one row per MPP credential (challenge id + payment token hash), claimed under a unique
 * constraint before Stripe is called, so a replayed or concurrent credential is charged at most once
 * and a charge whose answer was lost can be found again (its PaymentIntent carries the row id). Its
 * states are in charge-settlement.ts.
 */
import type { Db } from '../../db/client.ts';
import { mppCharges } from '../../db/schema-credits.ts';
import { reservations } from '../../src/pipeline/reservation.ts';

export type ChargeRow = typeof mppCharges.$inferSelect;

export const charges = reservations(mppCharges, { hasUpdatedAt: true });

export function findCharge(db: Db, challengeId: string, sptHash: string): Promise<ChargeRow | undefined> {
  return charges.findBy(db, { challengeId, sptHash });
}

export function findChargeByIdempotencyKey(
  db: Db,
  key: { identityId: string; operationId: string; idempotencyKey: string },
): Promise<ChargeRow | undefined> {
  return charges.findBy(db, key);
}
