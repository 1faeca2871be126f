/**
 * The credit ledger. Every change of a balance is an append-only entry with a unique reference (the
 * money movement or cause it records); the balance row is locked, checked and updated in the same
 * transaction, and a CHECK constraint makes a negative balance impossible even if the code were wrong.
 * A posted reference is never applied twice: posting it again returns the first entry.
 */
import { and, desc, eq, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import { creditAccounts, creditEntries } from '../../db/schema.ts';

export type EntryKind = 'purchase' | 'debit' | 'refund' | 'reversal' | 'adjustment';
export type CreditEntry = typeof creditEntries.$inferSelect;

export class InsufficientCredits extends Error {
  constructor(readonly balance: number) {
    super(`insufficient credits: balance ${balance}`);
  }
}

export interface NewEntry {
  identityId: string;
  kind: EntryKind;
  /** Signed: positive adds to the balance. */
  credits: number;
  reference: string;
  campaignId?: string | null;
  paymentId?: string | null;
  reversesEntryId?: string | null;
  metadata?: Record<string, unknown>;
  at: Date;
}

export interface Posted {
  entry: CreditEntry;
  balance: number;
  /** The reference was posted before: nothing changed. */
  duplicate: boolean;
}

/** Posts one entry. Call inside a transaction; throws InsufficientCredits rather than overdraw. */
export async function postEntry(tx: Db, entry: NewEntry): Promise<Posted> {
  if (!Number.isInteger(entry.credits) || entry.credits === 0)
    throw new Error('credits must be a non-zero integer');
  // Lock the account row (creating it at zero): entries of one identity are posted one at a time.
  const [account] = await queryRows<{ balance: number }>(
    tx,
    sql`insert into credit_accounts (identity_id, balance, updated_at) values (${entry.identityId}, 0, now())
        on conflict (identity_id) do update set balance = credit_accounts.balance
        returning balance`,
  );
  const current = Number(account?.balance ?? 0);
  const [existing] = await tx
    .select()
    .from(creditEntries)
    .where(eq(creditEntries.reference, entry.reference))
    .limit(1);
  if (existing) return { entry: existing, balance: current, duplicate: true };
  if (current + entry.credits < 0) throw new InsufficientCredits(current);
  const [updated] = await tx
    .update(creditAccounts)
    .set({ balance: sql`${creditAccounts.balance} + ${entry.credits}`, updatedAt: entry.at })
    .where(eq(creditAccounts.identityId, entry.identityId))
    .returning({ balance: creditAccounts.balance });
  const balance = updated?.balance ?? current + entry.credits;
  const [row] = await tx
    .insert(creditEntries)
    .values({
      identityId: entry.identityId,
      kind: entry.kind,
      credits: entry.credits,
      reference: entry.reference,
      campaignId: entry.campaignId ?? null,
      paymentId: entry.paymentId ?? null,
      reversesEntryId: entry.reversesEntryId ?? null,
      balanceAfter: balance,
      metadata: entry.metadata ?? {},
      createdAt: entry.at,
    })
    .returning();
  if (!row) throw new Error('ledger entry not stored');
  return { entry: row, balance, duplicate: false };
}

export async function balanceOf(db: Db, identityId: string): Promise<number> {
  const [row] = await db
    .select({ balance: creditAccounts.balance })
    .from(creditAccounts)
    .where(eq(creditAccounts.identityId, identityId));
  return row?.balance ?? 0;
}

export async function findEntry(
  db: Db,
  identityId: string,
  reference: string,
): Promise<CreditEntry | undefined> {
  const [row] = await db
    .select()
    .from(creditEntries)
    .where(and(eq(creditEntries.identityId, identityId), eq(creditEntries.reference, reference)))
    .limit(1);
  return row;
}

export async function entriesOf(db: Db, identityId: string): Promise<CreditEntry[]> {
  return db
    .select()
    .from(creditEntries)
    .where(eq(creditEntries.identityId, identityId))
    .orderBy(desc(creditEntries.createdAt), desc(creditEntries.id));
}
