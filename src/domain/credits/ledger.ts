/**
 * The credit ledger. Every change of a balance is an append-only entry with a unique reference (the
 * money movement or cause it records); the balance row is locked, checked and updated in the same
 * transaction, and a CHECK constraint makes a negative balance impossible even if the code were wrong.
 * A posted reference is never applied twice: posting it again returns the first entry.
 */
import { eq, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../../db/client.ts';
import { creditAccounts, creditEntries } from '../../../db/schema-credits.ts';
import { sqlState } from '../../../db/sql-state.ts';

export type EntryKind = 'purchase' | 'debit' | 'refund' | 'reversal' | 'adjustment';
export type CreditEntry = typeof creditEntries.$inferSelect;

export class InsufficientCredits extends Error {
  constructor() {
    super('insufficient credits');
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

interface EntryRow {
  id: string;
  identity_id: string;
  kind: string;
  credits: number;
  reference: string;
  campaign_id: string | null;
  payment_id: string | null;
  reverses_entry_id: string | null;
  balance_after: number;
  metadata: Record<string, unknown>;
  created_at: string | Date;
}

function toEntry(row: EntryRow): CreditEntry {
  return {
    id: row.id,
    identityId: row.identity_id,
    kind: row.kind,
    credits: Number(row.credits),
    reference: row.reference,
    campaignId: row.campaign_id,
    paymentId: row.payment_id,
    reversesEntryId: row.reverses_entry_id,
    balanceAfter: Number(row.balance_after),
    metadata: row.metadata,
    createdAt: row.created_at instanceof Date ? row.created_at : new Date(row.created_at),
  };
}

/**
 * Posts one entry in one statement: the balance row is created or updated (its row lock orders the
 * entries of one identity; the CHECK constraint refuses an overdraft) and the entry inserted with the
 * balance it leaves, unless the reference was posted before. Throws InsufficientCredits rather than
 * overdraw. Atomic on its own; inside a transaction when other writes belong with the entry.
 */
export async function postEntry(tx: Db, entry: NewEntry): Promise<Posted> {
  if (!Number.isInteger(entry.credits) || entry.credits === 0)
    throw new Error('credits must be a non-zero integer');
  const at = entry.at.toISOString();
  // Credits coming in may create the account; credits going out need one (and enough in it).
  const account =
    entry.credits > 0
      ? sql`insert into credit_accounts as a (identity_id, balance, updated_at)
            values (${entry.identityId}, ${entry.credits}, ${at}::timestamptz)
            on conflict (identity_id) do update
              set balance = a.balance + excluded.balance, updated_at = excluded.updated_at
              where not exists (select 1 from credit_entries e where e.reference = ${entry.reference})
            returning balance`
      : sql`update credit_accounts set balance = balance + ${entry.credits}, updated_at = ${at}::timestamptz
            where identity_id = ${entry.identityId}
              and not exists (select 1 from credit_entries e where e.reference = ${entry.reference})
            returning balance`;
  let rows: EntryRow[];
  try {
    rows = await queryRows<EntryRow>(
      tx,
      sql`with account as (${account})
          insert into credit_entries
            (identity_id, kind, credits, reference, campaign_id, payment_id, reverses_entry_id, balance_after, metadata, created_at)
          select ${entry.identityId}, ${entry.kind}, ${entry.credits}, ${entry.reference}, ${entry.campaignId ?? null},
                 ${entry.paymentId ?? null}, ${entry.reversesEntryId ?? null}, account.balance,
                 ${JSON.stringify(entry.metadata ?? {})}::jsonb, ${at}::timestamptz
          from account
          returning *`,
    );
  } catch (error) {
    if (sqlState(error) === '23514') throw new InsufficientCredits();
    throw error;
  }
  const [row] = rows;
  if (row) return { entry: toEntry(row), balance: Number(row.balance_after), duplicate: false };
  const [existing] = await tx
    .select()
    .from(creditEntries)
    .where(eq(creditEntries.reference, entry.reference))
    .limit(1);
  // No entry, and none before: a debit from an identity that never had an account.
  if (!existing) throw new InsufficientCredits();
  return { entry: existing, balance: await balanceOf(tx, entry.identityId), duplicate: true };
}

export async function balanceOf(db: Db, identityId: string): Promise<number> {
  const [row] = await db
    .select({ balance: creditAccounts.balance })
    .from(creditAccounts)
    .where(eq(creditAccounts.identityId, identityId));
  return row?.balance ?? 0;
}
