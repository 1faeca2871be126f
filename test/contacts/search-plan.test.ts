/**
 * `GET /contacts?search=` is served by the trigram index: with 50,000 contacts in the account, the
 * executed plan reads no table sequentially and touches only rows near the matches, not the account's
 * 50,000. Without a search, a page reads the newest rows through the (user, created_at) index.
 */
import { type SQLWrapper, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { users } from '../../db/schema.ts';
import { periodCountQuery } from '../../src/domain/billing/period-limits.ts';
import { periodOf } from '../../src/domain/billing/plans.ts';
import { contactsPageQuery } from '../../src/domain/contacts/contacts-page.ts';
import type { Principal } from '../../src/domain/principal.ts';
import type { ApiKeyRecord } from '../../src/pipeline/key-cache.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

const CONTACTS = 50_000;

let database: TestDatabase;
let principal: Principal;

beforeAll(async () => {
  database = await createTestDatabase();
  const [user] = await database.db
    .insert(users)
    .values({ email: 'search-plan@test.local', kind: 'user' })
    .returning({ id: users.id });
  const userId = user?.id as string;
  principal = {
    kind: 'key',
    userId,
    keyId: 'plan',
    scopes: ['read'],
    key: {} as ApiKeyRecord,
    agentIdentityId: null,
  };
  // Every 1,000th contact works at "Zephyrine Labs"; the rest at one of a few common companies.
  await database.db.execute(sql`
    insert into contacts (user_id, email, first_name, last_name, company, source, created_at, updated_at)
    select ${userId}::uuid, 'person' || n || '@example.com', 'First' || n, 'Last' || (n % 997),
      case when n % 1000 = 0 then 'Zephyrine Labs' else (array['Acme', 'Globex', 'Initech'])[n % 3 + 1] end,
      'import', now() - n * interval '1 second', now()
    from generate_series(1, ${CONTACTS}) as n`);
  await database.db.execute(sql`analyze contacts`);
}, 120_000);
afterAll(() => database?.close());

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

async function executedPlan(query: SQLWrapper): Promise<PlanNode[]> {
  const [row] = await queryRows<{ 'QUERY PLAN': unknown }>(
    database.db,
    sql`explain (analyze, format json) ${query}`,
  );
  const raw = row?.['QUERY PLAN'];
  const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
  const nodes: PlanNode[] = [];
  const walk = (node: PlanNode) => {
    nodes.push(node);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk((parsed[0] as { Plan: PlanNode }).Plan);
  return nodes;
}

const rowsTouched = (node: PlanNode) =>
  node['Actual Rows'] * node['Actual Loops'] +
  (node['Rows Removed by Filter'] ?? 0) +
  (node['Rows Removed by Index Recheck'] ?? 0);

/** (The per-row campaign_ids subquery may scan the campaigns table; here it is empty.) */
const seqScansContacts = (nodes: PlanNode[]) =>
  nodes.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'contacts');

const describePlan = (nodes: PlanNode[]) =>
  JSON.stringify(nodes.map((n) => [n['Node Type'], n['Relation Name'] ?? n['Index Name'], rowsTouched(n)]));

describe('the plan’s period count', () => {
  it('reads only the account’s own contacts of the period through its index', async () => {
    const [other] = await database.db
      .insert(users)
      .values({ email: 'period-count@test.local', kind: 'user' })
      .returning({ id: users.id });
    const otherId = other?.id as string;
    await database.db.execute(sql`
      insert into contacts (user_id, email, source, deleted_at)
      select ${otherId}::uuid, 'other' || n || '@example.com', 'api', case when n % 2 = 0 then now() end
      from generate_series(1, 10) as n`);
    const query = periodCountQuery(
      database.db,
      { userId: otherId, agentIdentityId: null },
      'contacts',
      periodOf(new Date()),
    );
    expect((await query)[0]?.n).toBe(10);
    const nodes = await executedPlan(query);
    expect(seqScansContacts(nodes), describePlan(nodes)).toBe(false);
    expect(Math.max(...nodes.map(rowsTouched)), describePlan(nodes)).toBeLessThanOrEqual(10);
  });
});

describe('the contacts search plan', () => {
  it('finds 50 of 50,000 contacts through the trigram index, without a sequential scan', async () => {
    const query = contactsPageQuery(database.db, principal, { search: 'zephyrine', limit: 100 });
    expect(await query).toHaveLength(CONTACTS / 1000);
    const nodes = await executedPlan(query);
    const plan = describePlan(nodes);
    expect(seqScansContacts(nodes), plan).toBe(false);
    expect(
      nodes.some((n) => n['Index Name'] === 'contacts_search_idx'),
      plan,
    ).toBe(true);
    expect(Math.max(...nodes.map(rowsTouched)), plan).toBeLessThan(1_000);
  });

  it('matches an email fragment the same way', async () => {
    const query = contactsPageQuery(database.db, principal, { search: 'person12345@', limit: 20 });
    const rows = await query;
    expect(rows.map((r) => r.email)).toEqual(['person12345@example.com']);
    const nodes = await executedPlan(query);
    expect(seqScansContacts(nodes), describePlan(nodes)).toBe(false);
  });

  it('reads a page without a search from the newest rows only', async () => {
    const query = contactsPageQuery(database.db, principal, { limit: 20 });
    expect(await query).toHaveLength(21);
    const nodes = await executedPlan(query);
    expect(seqScansContacts(nodes), describePlan(nodes)).toBe(false);
    expect(Math.max(...nodes.map(rowsTouched)), describePlan(nodes)).toBeLessThanOrEqual(21);
  });
});
