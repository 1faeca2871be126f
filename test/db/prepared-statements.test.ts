/**
 * drizzle's queries run as prepared statements (db/prepared-statements.ts): parsed once per connection,
 * in transactions and savepoints too, except statements with more parameters than the bound; a table
 * changed under a prepared statement is re-prepared rather than failing.
 */
import { inArray, sql } from 'drizzle-orm';
import { integer, pgTable, text } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase, queryRows } from '../../db/client.ts';
import { MAX_PREPARED_PARAMETERS } from '../../db/prepared-statements.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

const probe = pgTable('prepared_probe', { id: integer('id').primaryKey(), label: text('label') });

let database: TestDatabase;
/** One connection, so every statement below runs on the session whose prepared statements are read. */
let single: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.execute(sql`create table prepared_probe (id int primary key, label text)`);
  await database.db.insert(probe).values([
    { id: 1, label: 'one' },
    { id: 2, label: 'two' },
  ]);
  single = await openDatabase({ url: database.url, maxConnections: 1 });
});
afterAll(async () => {
  await single?.close();
  await database?.close();
});

/** How many statements this session holds prepared whose text contains `marker`. */
async function preparedWith(marker: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    single.db,
    sql`select count(*)::int as n from pg_prepared_statements where statement like ${`%${marker}%`}`,
  );
  return Number(row?.n);
}

describe('prepared statements', () => {
  it('prepares a parameterised query once and reuses it', async () => {
    for (const id of [1, 2, 1]) {
      const rows = await single.db.select().from(probe).where(sql`${probe.id} = ${id} /* reuse */`);
      expect(rows.map((r) => r.id)).toEqual([id]);
    }
    expect(await preparedWith('/* reuse */')).toBe(1);
  });

  it('prepares inside transactions and savepoints', async () => {
    await single.db.transaction(async (tx) => {
      await tx.select().from(probe).where(sql`${probe.id} = ${1} /* in transaction */`);
      await tx.transaction(async (inner) => {
        await inner.select().from(probe).where(sql`${probe.id} = ${2} /* in savepoint */`);
      });
    });
    expect(await preparedWith('/* in transaction */')).toBe(1);
    expect(await preparedWith('/* in savepoint */')).toBe(1);
  });

  it('leaves a statement with more parameters than the bound unnamed', async () => {
    const many = Array.from({ length: MAX_PREPARED_PARAMETERS + 1 }, (_, i) => i + 1);
    const rows = await single.db
      .select()
      .from(probe)
      .where(sql`${inArray(probe.id, many)} /* many */`);
    expect(rows.map((r) => r.id).sort()).toEqual([1, 2]);
    expect(await preparedWith('/* many */')).toBe(0);
    const few = many.slice(0, MAX_PREPARED_PARAMETERS);
    await single.db
      .select()
      .from(probe)
      .where(sql`${inArray(probe.id, few)} /* few */`);
    expect(await preparedWith('/* few */')).toBe(1);
  });

  it('prepares nothing when the URL says prepare=false', async () => {
    const url = new URL(database.url);
    url.searchParams.set('prepare', 'false');
    const unprepared = await openDatabase({ url: url.toString(), maxConnections: 1 });
    try {
      await unprepared.db.select().from(probe).where(sql`${probe.id} = ${1} /* unprepared */`);
      const [row] = await queryRows<{ n: number }>(
        unprepared.db,
        sql`select count(*)::int as n from pg_prepared_statements`,
      );
      expect(Number(row?.n)).toBe(0);
    } finally {
      await unprepared.close();
    }
  });

  it('answers again after the table changed under the prepared statement', async () => {
    const read = () => single.db.execute(sql`select * from prepared_probe where id = ${1} /* changed */`);
    await read();
    expect(await preparedWith('/* changed */')).toBe(1);
    await database.db.execute(sql`alter table prepared_probe add column extra int`);
    const rows = (await read()) as unknown as Record<string, unknown>[];
    expect(rows[0]).toMatchObject({ id: 1, label: 'one', extra: null });
  });
});
