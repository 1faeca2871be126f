/**
 * An import of 500 contacts is one statement: the upsert, the campaign links and the events travel in
 * one round trip, and each of the 500 rows gets its exact result. A rolled-back transaction leaves no
 * contact, link or event.
 */
import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/client.ts';
import { campaigns, users } from '../../db/schema.ts';
import { campaignContacts, contacts } from '../../db/schema-contacts.ts';
import { events } from '../../db/schema-events.ts';
import { type PreparedContact, upsertContacts } from '../../src/domain/contacts/upsert-contacts.ts';
import { EVENT_DATA } from '../../src/domain/events/event-types.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
let counted: postgres.Sql;
let countedDb: Db;
let statements: string[] = [];
let userId = '';
let campaignId = '';

beforeAll(async () => {
  database = await createTestDatabase();
  counted = postgres(database.url, {
    max: 1,
    onnotice: () => {},
    debug: (_connection, query) => statements.push(query),
  });
  countedDb = drizzle({ client: counted }) as unknown as Db;
  // The connection's first query fetches the server's array types; it is not the import's.
  await counted`select 1`;
  const [user] = await database.db
    .insert(users)
    .values({ email: 'importer@test.local', kind: 'user' })
    .returning({ id: users.id });
  userId = user?.id as string;
  const [campaign] = await database.db
    .insert(campaigns)
    .values({
      userId,
      name: 'import target',
      objectiveType: 'product_promotion',
      maxResults: 50,
      outreachChannels: ['email'],
      status: 'draft',
    })
    .returning({ id: campaigns.id });
  campaignId = campaign?.id as string;
});
afterAll(async () => {
  await counted?.end({ timeout: 5 });
  await database?.close();
});

const owner = () => ({ userId, agentIdentityId: null });

describe('upsertContacts', () => {
  it('imports 500 mixed rows in one statement with exact per-row results', async () => {
    // 100 contacts the account already has.
    await upsertContacts(
      database.db,
      owner(),
      Array.from({ length: 100 }, (_, i) => ({ email: `existing-${i}@test.local`, company: 'Old' })),
      { now: new Date(), source: 'api', campaignId: null },
    );
    const rows: PreparedContact[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 500; i++) {
      if (i % 5 === 0) {
        rows.push({ email: `existing-${i / 5}@test.local`, title: 'Updated' });
        expected.push('merged');
      } else if (i % 5 === 1 && i > 1) {
        // The same email as the new row just before the previous one: merged inside the batch.
        rows.push({ email: `new-${i - 2}@test.local`, tags: ['again'] });
        expected.push('merged');
      } else if (i % 5 === 2) {
        rows.push({ x_handle: `handle_${i}` });
        expected.push('created');
      } else {
        rows.push({ email: `new-${i}@test.local`, first_name: `Row ${i}`, attributes: { n: String(i) } });
        expected.push('created');
      }
    }
    statements = [];
    const results = await upsertContacts(countedDb, owner(), rows, {
      now: new Date(),
      source: 'import',
      campaignId,
    });
    expect(statements).toHaveLength(1);
    expect(results.map((r) => r.result)).toEqual(expected);
    expect(results[0]?.contact).toMatchObject({
      email: 'existing-0@test.local',
      company: 'Old',
      title: 'Updated',
    });
    const dup = results[6]?.contact;
    expect(dup?.id).toBe(results[4]?.contact.id);
    expect(dup).toMatchObject({ email: 'new-4@test.local', first_name: 'Row 4', tags: ['again'] });
    const created = expected.filter((r) => r === 'created').length;
    const links = await database.db
      .select()
      .from(campaignContacts)
      .where(eq(campaignContacts.campaignId, campaignId));
    expect(links).toHaveLength(new Set(results.map((r) => r.contact.id)).size);
    const emitted = await database.db.select().from(events).where(eq(events.occurredAt, events.createdAt));
    const types = emitted.map((e) => e.type);
    expect(types.filter((t) => t === 'contact.created')).toHaveLength(100 + created);
    for (const event of emitted) {
      const schema = EVENT_DATA[event.type as 'contact.created'];
      expect(schema.safeParse(event.data).success, JSON.stringify(event.data)).toBe(true);
    }
  });

  it('leaves nothing behind when the transaction rolls back', async () => {
    const before = await database.db.select({ n: sql<number>`count(*)::int` }).from(events);
    await expect(
      database.db.transaction(async (tx) => {
        await upsertContacts(tx, owner(), [{ email: 'rolled-back@test.local' }], {
          now: new Date(),
          source: 'api',
          campaignId,
        });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(
      await database.db.select().from(contacts).where(eq(contacts.email, 'rolled-back@test.local')),
    ).toEqual([]);
    const after = await database.db.select({ n: sql<number>`count(*)::int` }).from(events);
    expect(after[0]?.n).toBe(before[0]?.n);
  });
});
