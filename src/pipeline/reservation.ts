/**
 * The one reservation primitive behind Idempotency-Keys, x402 authorizations and MPP charges: a row
 * claimed by an insert under a unique constraint (whoever inserts first holds it; a concurrent insert
 * waits for that transaction and then finds the row), a lease saying how long its holder may work on it
 * before someone else may take it over, and the response stored sealed for replays.
 *
 * A claim made inside the transaction of the work it guards needs no lease: it commits with that work
 * or vanishes with it, so a crashed process leaves nothing behind. A claim that must outlive its
 * transaction (a payment, where money moves after the commit) carries a lease instead.
 */
import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { PgColumn, PgInsertValue, PgTable, PgUpdateSetSource } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.ts';
import type { Sealer } from '../crypto/sealer.ts';
import type { StoredResponse } from './operation-io.ts';

/** The columns every reservation table has. */
export type ReservationTable = PgTable & {
  id: PgColumn;
  state: PgColumn;
  lockedUntil: PgColumn;
  responseStatus: PgColumn;
  responseSealed: PgColumn;
};

export interface Reservations<T extends ReservationTable> {
  /** Inserts the row; undefined when another request holds one under the same unique key. */
  claim(db: Db, values: PgInsertValue<T>): Promise<T['$inferSelect'] | undefined>;
  /** The row whose columns hold these values (the columns of one of its unique keys). */
  findBy(db: Db, match: Partial<T['$inferSelect']>): Promise<T['$inferSelect'] | undefined>;
  /** Takes the lease of a row whose holder is gone (its lease ran out); undefined while it is held. */
  takeLease(db: Db, id: string, now: Date, leaseMs: number): Promise<T['$inferSelect'] | undefined>;
  update(db: Db, id: string, changes: PgUpdateSetSource<T>): Promise<void>;
  /** Deletes the row (only in `state`, when given). */
  release(db: Db, id: string, state?: string): Promise<void>;
  /** Rows in `states` whose lease has run out: left behind by a request that died or gave up. */
  abandoned(db: Db, states: readonly string[], now: Date, limit: number): Promise<T['$inferSelect'][]>;
}

export function reservations<T extends ReservationTable>(
  table: T,
  options: { hasUpdatedAt?: boolean } = {},
): Reservations<T> {
  type Row = T['$inferSelect'];
  const touched = (changes: Record<string, unknown>) =>
    options.hasUpdatedAt ? { ...changes, updatedAt: sql`now()` } : changes;
  return {
    async claim(db, values) {
      const rows = await db.insert(table).values(values).onConflictDoNothing().returning();
      return (rows as Row[])[0];
    },
    async findBy(db, match) {
      const columns = table as unknown as Record<string, PgColumn>;
      const where = and(
        ...Object.entries(match).map(([name, value]) => eq(columns[name] as PgColumn, value)),
      );
      const rows = await db
        .select()
        .from(table as PgTable)
        .where(where)
        .limit(1);
      return (rows as Row[])[0];
    },
    async takeLease(db, id, now, leaseMs) {
      const rows = await db
        .update(table)
        .set(touched({ lockedUntil: new Date(now.getTime() + leaseMs) }) as PgUpdateSetSource<T>)
        .where(and(eq(table.id, id), lte(table.lockedUntil, now)))
        .returning();
      return (rows as Row[])[0];
    },
    async update(db, id, changes) {
      await db
        .update(table)
        .set(touched(changes as Record<string, unknown>) as PgUpdateSetSource<T>)
        .where(eq(table.id, id));
    },
    async release(db, id, state) {
      await db
        .delete(table)
        .where(state === undefined ? eq(table.id, id) : and(eq(table.id, id), eq(table.state, state)));
    },
    async abandoned(db, states, now, limit) {
      const rows = await db
        .select()
        .from(table as PgTable)
        .where(and(inArray(table.state, [...states]), lte(table.lockedUntil, now)))
        .orderBy(table.lockedUntil)
        .limit(limit);
      return rows as Row[];
    },
  };
}

/** A stored response (body and headers; the status stays in its own column), sealed for the database. */
export function sealStoredResponse(sealer: Sealer, response: StoredResponse): string {
  return sealer.seal(JSON.stringify({ body: response.body, headers: response.headers }));
}

/** The stored response of a row that holds one (sealStoredResponse's counterpart). */
export function openStoredResponse(
  sealer: Sealer,
  row: { responseSealed: string | null; responseStatus: number | null },
): StoredResponse {
  const { body, headers } = JSON.parse(sealer.open(row.responseSealed ?? '')) as Omit<
    StoredResponse,
    'status'
  >;
  return { status: row.responseStatus ?? 200, body, headers };
}

/** The stored response answered again, marked as a replay. */
export function replayOf(
  sealer: Sealer,
  row: { responseSealed: string | null; responseStatus: number | null },
): StoredResponse {
  const stored = openStoredResponse(sealer, row);
  return { ...stored, headers: { ...stored.headers, 'Idempotent-Replayed': 'true' } };
}

/** Whole seconds until a lease runs out (at least 1): what Retry-After says while a row is held. */
export function secondsUntil(lockedUntil: Date, now: Date): number {
  return Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
}
