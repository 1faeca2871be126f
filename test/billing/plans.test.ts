/**
 * Plans and their period limits: billing.plans and billing.current, the limits biting inside the write's
 * transaction (N parallel writes at limit − 1: exactly one passes), merges not counting, the bootstrap
 * account on pro, and the operator command that changes an account's plan.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../db/schema.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { PLANS } from '../../src/domain/billing/plans.ts';
import { api } from '../helpers/api.ts';
import { runToEnd } from '../helpers/spawn-server.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

/** A new account on the free plan and its admin key. */
async function freeAccount(name: string) {
  const { userId, key } = await createAccount(server.services.db, `${name}-${Date.now()}@example.com`);
  return { userId, key: key.key };
}

const createCampaign = (key: string, name: string) =>
  api(server.url, 'POST', '/campaigns', { key, body: { name, objective_type: 'product_promotion' } });

describe('billing.plans and billing.current', () => {
  it('lists the three plans with their limits', async () => {
    const listed = await api(server.url, 'GET', '/billing/plans', { key: server.adminKey });
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((p: { id: string }) => p.id)).toEqual(['free', 'pro', 'agency']);
    expect(listed.body.data[1]).toEqual(PLANS.pro);
  });

  it('puts the bootstrap account on pro and new accounts on free, with the period’s usage', async () => {
    const owner = await api(server.url, 'GET', '/billing/current', { key: server.adminKey });
    expect(owner.status).toBe(200);
    expect(owner.body.data.plan.id).toBe('pro');
    const { key } = await freeAccount('current');
    await createCampaign(key, 'counted');
    await api(server.url, 'POST', '/contacts', { key, body: { email: 'counted@example.com' } });
    const current = await api(server.url, 'GET', '/billing/current', { key });
    expect(current.body.data).toMatchObject({
      plan: { id: 'free' },
      usage: {
        campaigns: {
          used: 1,
          limit: PLANS.free.limits.campaigns,
          remaining: PLANS.free.limits.campaigns - 1,
        },
        contacts: { used: 1, limit: PLANS.free.limits.contacts, remaining: PLANS.free.limits.contacts - 1 },
        messages: { used: 0, limit: PLANS.free.limits.messages, remaining: PLANS.free.limits.messages },
        discovery_searches: {
          used: 0,
          limit: PLANS.free.limits.discovery_searches,
          remaining: PLANS.free.limits.discovery_searches,
        },
      },
    });
    const start = new Date(current.body.data.period_start);
    const end = new Date(current.body.data.period_end);
    expect(start.getUTCDate()).toBe(1);
    expect(end.getUTCMonth()).toBe((start.getUTCMonth() + 1) % 12);
  });
});

describe('period limits under concurrency', () => {
  it('lets exactly one of 6 parallel campaign creates through at limit − 1; the rest are 429 CAMP_009', async () => {
    const { key } = await freeAccount('campaign-limit');
    const limit = PLANS.free.limits.campaigns;
    for (let i = 0; i < limit - 1; i++) expect((await createCampaign(key, `c${i}`)).status).toBe(201);
    const raced = await Promise.all(Array.from({ length: 6 }, (_, i) => createCampaign(key, `race ${i}`)));
    expect(raced.filter((r) => r.status === 201)).toHaveLength(1);
    for (const refused of raced.filter((r) => r.status !== 201)) {
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('CAMP_009');
    }
    // A deleted campaign still counts: the period's allowance is for campaigns made.
    const listed = await api(server.url, 'GET', '/campaigns', { key });
    await api(server.url, 'DELETE', `/campaigns/${listed.body.data[0].id}`, { key });
    expect((await createCampaign(key, 'after delete')).status).toBe(429);
  });

  it('lets exactly one of 6 parallel new contacts through at limit − 1; a merge still passes', async () => {
    const { key } = await freeAccount('contact-limit');
    const limit = PLANS.free.limits.contacts;
    const rows = Array.from({ length: limit - 1 }, (_, i) => ({ email: `seed-${i}@example.com` }));
    const seeded = await api(server.url, 'POST', '/contacts/bulk', { key, body: { contacts: rows } });
    expect(seeded.body.data.created).toBe(limit - 1);
    const raced = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        api(server.url, 'POST', '/contacts', { key, body: { email: `race-${i}@example.com` } }),
      ),
    );
    expect(raced.filter((r) => r.status === 201)).toHaveLength(1);
    for (const refused of raced.filter((r) => r.status !== 201)) {
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('CONTACT_009');
    }
    const merge = await api(server.url, 'POST', '/contacts', {
      key,
      body: { email: 'seed-0@example.com', company: 'Merged' },
    });
    expect(merge.status).toBe(201);
    // An import that would pass the limit imports nothing.
    const over = await api(server.url, 'POST', '/contacts/bulk', {
      key,
      body: {
        contacts: [{ email: 'seed-1@example.com', title: 'x' }, { email: 'one-too-many@example.com' }],
      },
    });
    expect(over.status).toBe(429);
    expect(over.body.error.code).toBe('CONTACT_009');
    const unchanged = await api(server.url, 'GET', '/contacts?search=seed-1@', { key });
    expect(unchanged.body.data[0].title).toBeNull();
  });
});

describe('iris admin set-plan', () => {
  it('moves an account to another plan, whose limits apply at once', async () => {
    const { userId, key } = await freeAccount('upgrade');
    const email = (await server.services.db.select().from(users).where(eq(users.id, userId)))[0]
      ?.email as string;
    const env = { DATABASE_URL: server.database.url };
    const result = await runToEnd(
      'src/cli/main.ts',
      ['admin', 'set-plan', email.toUpperCase(), 'agency'],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      user_id: userId,
      plan: 'agency',
      previous_plan: 'free',
    });
    const current = await api(server.url, 'GET', '/billing/current', { key });
    expect(current.body.data.plan.id).toBe('agency');
    const unknownPlan = await runToEnd('src/cli/main.ts', ['admin', 'set-plan', email, 'platinum'], env);
    expect(unknownPlan.code).toBe(2);
    expect(unknownPlan.stderr).toContain('unknown plan');
    const nobody = await runToEnd('src/cli/main.ts', ['admin', 'set-plan', 'nobody@example.com', 'pro'], env);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('no account');
  });
});
