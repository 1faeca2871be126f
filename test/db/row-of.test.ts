/**
 * rowOf: a row read with raw SQL decodes to exactly what drizzle's typed select gives (timestamps, arrays,
 * nullable and numeric columns), on whichever driver the suite runs.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { rowOf } from '../../db/row-of.ts';
import { campaigns, users } from '../../db/schema.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

describe('rowOf', () => {
  it('decodes RETURNING * of a raw statement like the typed query', async () => {
    const { db } = database;
    const [user] = await db
      .insert(users)
      .values({ email: 'row-of@test.local', kind: 'user' })
      .returning({ id: users.id });
    if (!user) throw new Error('no user');
    const values = [
      {
        name: 'full',
        location: 'Austin, TX',
        radiusMiles: 25,
        venueTypes: ['cafe', 'gym'],
        keywords: ['a b', 'c"d'],
      },
      { name: 'sparse', location: null, radiusMiles: null, venueTypes: [], keywords: [] },
    ];
    for (const value of values) {
      const [inserted] = await db
        .insert(campaigns)
        .values({
          userId: user.id,
          objectiveType: 'product_promotion',
          status: 'pending_payment',
          maxResults: 50,
          outreachChannels: ['email'],
          ...value,
        })
        .returning({ id: campaigns.id });
      if (!inserted) throw new Error('no campaign');
      const [raw] = await queryRows<Record<string, unknown>>(
        db,
        sql`update ${campaigns} set status = 'active', updated_at = now() where id = ${inserted.id}::uuid returning *`,
      );
      const [typed] = await db.select().from(campaigns).where(eq(campaigns.id, inserted.id));
      expect(rowOf(campaigns, raw as Record<string, unknown>)).toEqual(typed);
    }
  });
});
