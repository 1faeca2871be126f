/**
 * mpp_charges: one row per MPP credential (challenge id + payment token hash), claimed under a unique
 * constraint before Stripe is called, so a replayed or concurrent credential is charged at most once
 * and a charge whose answer was lost can be found again (its PaymentIntent carries the row id).
 */
import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { mppCharges } from '../../db/schema-credits.ts';

export type ChargeRow = typeof mppCharges.$inferSelect;

export async function findCharge(
  db: Db,
  challengeId: string,
  sptHash: string,
): Promise<ChargeRow | undefined> {
  const [row] = await db
    .select()
    .from(mppCharges)
    .where(and(eq(mppCharges.challengeId, challengeId), eq(mppCharges.sptHash, sptHash)))
    .limit(1);
  return row;
}

export async function findChargeByIdempotencyKey(
  db: Db,
  key: { identityId: string; operationId: string; idempotencyKey: string },
): Promise<ChargeRow | undefined> {
  const [row] = await db
    .select()
    .from(mppCharges)
    .where(
      and(
        eq(mppCharges.identityId, key.identityId),
        eq(mppCharges.operationId, key.operationId),
        eq(mppCharges.idempotencyKey, key.idempotencyKey),
      ),
    )
    .limit(1);
  return row;
}

export async function reserveCharge(
  db: Db,
  values: Omit<typeof mppCharges.$inferInsert, 'id' | 'state' | 'createdAt' | 'updatedAt'>,
): Promise<ChargeRow | undefined> {
  const [row] = await db
    .insert(mppCharges)
    .values({ ...values, state: 'charging' })
    .onConflictDoNothing()
    .returning();
  return row;
}

export async function updateCharge(
  db: Db,
  id: string,
  changes: Partial<Omit<ChargeRow, 'id' | 'createdAt'>>,
): Promise<void> {
  await db
    .update(mppCharges)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(mppCharges.id, id));
}

export async function takeChargeLease(
  db: Db,
  id: string,
  now: Date,
  leaseMs: number,
): Promise<ChargeRow | undefined> {
  const [row] = await db
    .update(mppCharges)
    .set({ lockedUntil: new Date(now.getTime() + leaseMs), updatedAt: now })
    .where(and(eq(mppCharges.id, id), lte(mppCharges.lockedUntil, now)))
    .returning();
  return row;
}

export async function deleteCharge(db: Db, id: string): Promise<void> {
  await db.delete(mppCharges).where(eq(mppCharges.id, id));
}

export async function openCharges(db: Db, now: Date, limit: number): Promise<ChargeRow[]> {
  return db
    .select()
    .from(mppCharges)
    .where(and(inArray(mppCharges.state, ['charging', 'charged']), lte(mppCharges.lockedUntil, now)))
    .orderBy(mppCharges.lockedUntil)
    .limit(limit);
}
