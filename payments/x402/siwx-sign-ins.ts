/**
 * The sign-in-with-X messages already used: each claimed once per wallet and nonce, and kept only while
 * the message could still be accepted, so a replay is refused as used until it is refused as expired.
 * No payment library here: the rail module registers the sweep, which runs on every server, x402
 * configured or not (compose.ts).
 */
import { lt } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { siwxSignIns } from '../../db/schema-payments.ts';

/**
 * Claims the sign-in of `address` with `nonce`, kept until `usableUntil`; false when it was used
 * already. Claimed under the unique (address, nonce), never checked first.
 */
export async function claimSignIn(
  db: Db,
  signIn: { address: string; nonce: string; usableUntil: Date },
): Promise<boolean> {
  const claimed = await db
    .insert(siwxSignIns)
    .values({ address: signIn.address, nonce: signIn.nonce, expiresAt: signIn.usableUntil })
    .onConflictDoNothing()
    .returning({ id: siwxSignIns.id });
  return claimed.length > 0;
}

/** Deletes the sign-ins whose message can no longer be accepted at `now`; returns how many. */
export async function sweepExpiredSignIns(db: Db, now: Date): Promise<number> {
  const deleted = await db
    .delete(siwxSignIns)
    .where(lt(siwxSignIns.expiresAt, now))
    .returning({ id: siwxSignIns.id });
  return deleted.length;
}
