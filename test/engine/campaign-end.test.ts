/**
 * How a campaign ends: `completed` once nothing is left (every message sent or decided, no engine job
 * open), with campaign.completed told to its account; and a paid agent campaign that cannot run at all
 * (discovery finds nobody) refunded — its credits back, or a refund owed on its payment — and completed.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { creditAccounts, creditEntries } from '../../db/schema-credits.ts';
import { notifications } from '../../db/schema-events.ts';
import { jobs } from '../../db/schema-jobs.ts';
import { paymentRefunds, payments } from '../../db/schema-payments.ts';
import { queueCampaignRun } from '../../src/domain/campaigns/campaign-run.ts';
import { postEntry } from '../../src/domain/credits/ledger.ts';
import { campaignDebitReference } from '../../src/domain/payments/refund-campaign.ts';
import type { DiscoveryPort } from '../../src/integrations/discovery/discovery-port.ts';
import { agentWithKey } from '../helpers/agent-key.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

/** Discovery that finds nobody, whatever is asked. */
const nobody: DiscoveryPort = {
  sources: () => [{ id: 'sample', name: 'nobody', available: true, description: 'finds nobody' }],
  search: async () => [],
};

/** Discovery that answers one person once `release` is called. */
function heldDiscovery(): DiscoveryPort & { started: Promise<void>; release: () => void } {
  let release = () => {};
  let started = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const startedPromise = new Promise<void>((resolve) => {
    started = resolve;
  });
  return {
    started: startedPromise,
    release,
    sources: () => [{ id: 'sample', name: 'held', available: true, description: 'waits' }],
    search: async () => {
      started();
      await gate;
      return [
        {
          source: 'sample',
          externalId: 'held-1',
          email: 'held@example.com',
          firstName: 'Hal',
          lastName: null,
          company: 'Held Bar',
          title: null,
          phone: null,
          website: null,
          instagramHandle: null,
          xHandle: null,
          location: 'Austin, TX',
          attributes: {},
        },
      ];
    },
  };
}

const JOBS = { settings: { pollIntervalMs: 50, backoffBaseMs: 1, backoffMaxMs: 5 } };

async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function statusOf(server: TestServer, id: string, status: string) {
  const [row] = await server.services.db.select().from(campaigns).where(eq(campaigns.id, id));
  return row?.status === status ? row : undefined;
}

describe('a campaign with nothing left to do', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { jobs: JOBS });
  });
  afterAll(() => server?.close());

  it('completes once its last message is sent, and tells its account', async () => {
    const created = await api(server.url, 'POST', '/campaigns', {
      key: server.adminKey,
      body: {
        name: 'Ends by itself',
        objective_type: 'venue_dj',
        location: 'Austin, TX',
        venue_types: ['cocktail bar'],
        max_results: 3,
        outreach_channels: ['email'],
        followup_days: [],
        approval_mode: 'auto',
      },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.data.id as string;
    const activated = await api(server.url, 'POST', `/campaigns/${id}/status`, {
      key: server.adminKey,
      body: { status: 'active' },
    });
    expect(activated.status, activated.text).toBe(200);
    const done = await until('completion', () => statusOf(server, id, 'completed'));
    expect(done.completedAt).not.toBeNull();
    const usage = await api(server.url, 'GET', `/campaigns/${id}/usage`, { key: server.adminKey });
    expect(usage.body.data.stages.sent).toBeGreaterThan(0);
    expect(usage.body.data.stages.sent).toBe(usage.body.data.stages.drafted);
    const told = await server.services.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, server.ownerId), eq(notifications.kind, 'campaign.completed')));
    expect(told.map((n) => (n.payload as { campaign_id: string }).campaign_id)).toContain(id);
  });

  it('stays active while a draft waits for approval', async () => {
    const created = await api(server.url, 'POST', '/campaigns', {
      key: server.adminKey,
      body: {
        name: 'Waits for people',
        objective_type: 'venue_dj',
        location: 'Austin, TX',
        max_results: 2,
        outreach_channels: ['email'],
        followup_days: [],
      },
    });
    const id = created.body.data.id as string;
    await api(server.url, 'POST', `/campaigns/${id}/status`, {
      key: server.adminKey,
      body: { status: 'active' },
    });
    const pending = await until('drafts', async () => {
      const answer = await api(server.url, 'GET', `/messages/pending?campaign_id=${id}`, {
        key: server.adminKey,
      });
      return answer.body.data.length > 0 ? (answer.body.data as { id: string }[]) : undefined;
    });
    await server.services.jobs.runDue();
    expect(await statusOf(server, id, 'active')).toBeDefined();
    // Rejecting every draft leaves nothing to do.
    await until('every draft', async () => {
      const open = await server.services.db
        .select({ id: jobs.id })
        .from(jobs)
        .where(
          and(
            inArray(jobs.kind, ['campaign.run', 'campaign.draft']),
            inArray(jobs.state, ['queued', 'running']),
          ),
        );
      return open.length === 0 ? true : undefined;
    });
    const all = await api(server.url, 'GET', `/messages/pending?campaign_id=${id}&limit=100`, {
      key: server.adminKey,
    });
    expect(pending.length).toBeGreaterThan(0);
    const rejected = await api(server.url, 'POST', '/messages/bulk', {
      key: server.adminKey,
      body: { action: 'reject', ids: all.body.data.map((m: { id: string }) => m.id), reason: 'not now' },
    });
    expect(rejected.status, rejected.text).toBe(200);
    await until('completion', () => statusOf(server, id, 'completed'));
  });
});

describe('a paid agent campaign that cannot run', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { jobs: JOBS, discovery: nobody });
  });
  afterAll(() => server?.close());

  async function agentCampaign(identityId: string) {
    const [row] = await server.services.db
      .insert(campaigns)
      .values({
        userId: server.services.systemUserId,
        agentIdentityId: identityId,
        name: 'Nobody out there',
        objectiveType: 'venue_dj',
        location: 'Nowhere',
        maxResults: 30,
        outreachChannels: ['email'],
        followupDays: [],
        status: 'active',
        approvalMode: 'auto',
      })
      .returning();
    if (!row) throw new Error('campaign insert failed');
    return row;
  }

  it('gives the credit back and completes', async () => {
    const { identityId } = await agentWithKey(server, '0x00000000000000000000000000000000000000c1');
    const now = server.services.clock();
    await postEntry(server.services.db, {
      identityId,
      kind: 'purchase',
      credits: 5,
      reference: 'test:pack',
      at: now,
    });
    const campaign = await agentCampaign(identityId);
    const debit = await postEntry(server.services.db, {
      identityId,
      kind: 'debit',
      credits: -1,
      reference: campaignDebitReference(campaign.id),
      campaignId: campaign.id,
      at: now,
    });
    expect(debit.balance).toBe(4);
    await queueCampaignRun(server.services.db, campaign.id);
    await until('the refund', () => statusOf(server, campaign.id, 'completed'));
    const [account] = await server.services.db
      .select()
      .from(creditAccounts)
      .where(eq(creditAccounts.identityId, identityId));
    expect(account?.balance).toBe(5);
    const refunds = await server.services.db
      .select()
      .from(creditEntries)
      .where(and(eq(creditEntries.identityId, identityId), eq(creditEntries.kind, 'refund')));
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.reversesEntryId).toBe(debit.entry.id);
  });

  it('records a refund owed on a money payment, once', async () => {
    const { identityId } = await agentWithKey(server, '0x00000000000000000000000000000000000000c2');
    const campaign = await agentCampaign(identityId);
    const [payment] = await server.services.db
      .insert(payments)
      .values({
        rail: 'mpp',
        identityId,
        campaignId: campaign.id,
        amountMinor: 240n,
        currency: 'usd',
        reference: `pi_test_${campaign.id}`,
      })
      .returning();
    await queueCampaignRun(server.services.db, campaign.id);
    await until('the refund', () => statusOf(server, campaign.id, 'completed'));
    // A second run finds the campaign completed and refunds nothing more.
    await queueCampaignRun(server.services.db, campaign.id, server.services.clock());
    await server.services.jobs.runDue();
    const owed = await server.services.db
      .select()
      .from(paymentRefunds)
      .where(eq(paymentRefunds.paymentId, payment?.id as string));
    expect(owed).toHaveLength(1);
    expect(owed[0]).toMatchObject({ amountMinor: 240n, currency: 'usd', state: 'owed' });
    expect(owed[0]?.reason).toContain('could not run');
  });
});

describe('pausing a campaign while it discovers', () => {
  const discovery = heldDiscovery();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { jobs: JOBS, discovery });
  });
  afterAll(async () => {
    discovery.release();
    await server?.close();
  });

  it('is answered at once, and the run drafts nothing after it', async () => {
    const created = await api(server.url, 'POST', '/campaigns', {
      key: server.adminKey,
      body: { name: 'Held', objective_type: 'venue_dj', location: 'Austin, TX', max_results: 1 },
    });
    const id = created.body.data.id as string;
    await api(server.url, 'POST', `/campaigns/${id}/status`, {
      key: server.adminKey,
      body: { status: 'active' },
    });
    await discovery.started;
    // The run is inside discovery now; the campaign row is not held by it.
    const paused = await api(server.url, 'POST', `/campaigns/${id}/status`, {
      key: server.adminKey,
      body: { status: 'paused' },
    });
    expect(paused.status, paused.text).toBe(200);
    discovery.release();
    await until('the run to end', async () => {
      const open = await server.services.db.select().from(jobs).where(eq(jobs.kind, 'campaign.run'));
      return open.every((job) => job.state === 'done') ? true : undefined;
    });
    const usage = await api(server.url, 'GET', `/campaigns/${id}/usage`, { key: server.adminKey });
    expect(usage.body.data.stages.discovered).toBe(1);
    const drafts = await server.services.db.select().from(jobs).where(eq(jobs.kind, 'campaign.draft'));
    expect(drafts).toEqual([]);
  });
});
