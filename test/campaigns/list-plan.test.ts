/**
 * A page of GET /campaigns reads the caller's campaigns, not everyone's: with many accounts' campaigns in
 * the table and no statistics yet (nothing has analyzed the table), the plan of an account's page must not scan other
 * accounts' rows. It once did: the agent-identity index, holding every account campaign's null, was
 * combined into the account's listing, so each page read the whole table.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { campaigns, users } from '../../db/schema.ts';
import { agentIdentities } from '../../db/schema-payments.ts';
import type { Principal } from '../../src/domain/principal.ts';
import { campaignsPageQuery } from '../../src/operations/campaigns/list.ts';
import type { ApiKeyRecord } from '../../src/pipeline/key-cache.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

const ACCOUNTS = 60;
const PER_ACCOUNT = 20;

let database: TestDatabase;
let accountIds: string[] = [];
let identityId = '';
let systemUserId = '';

function campaignRows(userId: string, count: number, agentIdentityId: string | null = null) {
  const now = Date.now();
  return Array.from({ length: count }, (_, i) => ({
    userId,
    agentIdentityId,
    name: `campaign ${i}`,
    objectiveType: 'product_promotion',
    venueTypes: ['bar'],
    keywords: ['house'],
    maxResults: 50,
    outreachChannels: ['email'],
    followupDays: [3],
    status: 'draft',
    createdAt: new Date(now - i * 1000),
    updatedAt: new Date(now),
  }));
}

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database;
  const created = await db
    .insert(users)
    .values(Array.from({ length: ACCOUNTS + 1 }, (_, i) => ({ email: `plan-${i}@test.local`, kind: 'user' })))
    .returning({ id: users.id });
  const ids = created.map((row) => row.id);
  systemUserId = ids.pop() as string;
  accountIds = ids;
  for (const userId of accountIds) await db.insert(campaigns).values(campaignRows(userId, PER_ACCOUNT));
  const [identity] = await db
    .insert(agentIdentities)
    .values({ kind: 'wallet', subject: '0x000000000000000000000000000000000000dEaD' })
    .returning({ id: agentIdentities.id });
  identityId = identity?.id as string;
  await db.insert(campaigns).values(campaignRows(systemUserId, 3, identityId));
});
afterAll(() => database?.close());

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** Every node of the executed plan of `query`. */
async function executedPlan(query: ReturnType<typeof campaignsPageQuery>): Promise<PlanNode[]> {
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

/** Rows a node produced or looked at and dropped. */
function rowsTouched(node: PlanNode): number {
  return (
    node['Actual Rows'] * node['Actual Loops'] +
    (node['Rows Removed by Filter'] ?? 0) +
    (node['Rows Removed by Index Recheck'] ?? 0)
  );
}

describe('the campaigns page plan', () => {
  it("reads only the account's own campaigns, however many others there are", async () => {
    const userId = accountIds[ACCOUNTS - 1] as string;
    const principal: Principal = {
      kind: 'key',
      userId,
      keyId: 'plan-test',
      scopes: ['read'],
      key: {} as ApiKeyRecord,
      agentIdentityId: null,
    };
    const query = campaignsPageQuery(database.db, principal, { limit: PER_ACCOUNT });
    expect(await query).toHaveLength(PER_ACCOUNT);
    const nodes = await executedPlan(query);
    const touched = Math.max(...nodes.map(rowsTouched));
    expect(touched, JSON.stringify(nodes.map((n) => [n['Node Type'], n['Index Name'], rowsTouched(n)]))).toBe(
      PER_ACCOUNT,
    );
  });

  it("reads only the agent identity's campaigns for an agent", async () => {
    const principal: Principal = {
      kind: 'agent',
      userId: systemUserId,
      identityId,
      scopes: ['read'],
    };
    const query = campaignsPageQuery(database.db, principal, { limit: PER_ACCOUNT });
    expect(await query).toHaveLength(3);
    const nodes = await executedPlan(query);
    expect(Math.max(...nodes.map(rowsTouched))).toBe(3);
  });
});
