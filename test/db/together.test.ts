/**
 * `together`: independent statements of one transaction sent at once. The first failure to happen is the
 * one reported (on PostgreSQL the statements after it only report an aborted transaction), nothing is
 * left running when the transaction ends, and a success keeps every result.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { together } from '../../db/together.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.execute(sql`create table together_probe (id int primary key)`);
});
afterAll(() => database?.close());

describe('together', () => {
  it('returns every result in order', async () => {
    const [a, b] = await database.db.transaction((tx) =>
      together(
        queryRows<{ n: number }>(tx, sql`select 1 as n`),
        queryRows<{ n: number }>(tx, sql`select 2 as n`),
      ),
    );
    expect([Number(a[0]?.n), Number(b[0]?.n)]).toEqual([1, 2]);
  });

  it('reports the failure that happened first and rolls the whole transaction back', async () => {
    const attempt = database.db.transaction((tx) =>
      together(
        tx.execute(sql`insert into together_probe (id) values (1)`),
        tx.execute(sql`insert into together_probe (id) values (1)`),
        tx.execute(sql`insert into together_probe (id) values (2)`),
      ),
    );
    const error: unknown = await attempt.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    // drizzle wraps the driver's error: the cause is the database's own word for it.
    const cause =
      error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    expect(cause).toMatch(/duplicate key/i);
    const rows = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from together_probe`,
    );
    expect(Number(rows[0]?.n)).toBe(0);
  });

  it('waits for the slow statements before reporting a fast failure', async () => {
    let finished = false;
    const slow = new Promise<void>((resolve) =>
      setTimeout(() => {
        finished = true;
        resolve();
      }, 50),
    );
    await expect(together(slow, Promise.reject(new Error('fast')))).rejects.toThrow('fast');
    expect(finished).toBe(true);
  });
});
