/**
 * The campaign engine end to end on the offline adapters (sample discovery, offline drafter) and the
 * local worker: activating a campaign discovers contacts and drafts their messages, which wait for
 * approval (manual) or are queued at once (auto); a paused campaign takes no step and a resumed one
 * continues; a paid agent campaign on the local chain reaches queued drafts with no further call.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { jobs } from '../../db/schema-jobs.ts';
import { queueCampaignRun } from '../../src/domain/campaigns/campaign-run.ts';
import { api } from '../helpers/api.ts';
import { type PaidServer, startPaidServer, x402Fetch } from '../helpers/paid-server.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

interface Usage {
  allotment: { contacts: number; messages: number };
  stages: Record<
    'discovered' | 'drafted' | 'pending_approval' | 'approved' | 'sent' | 'failed' | 'replied',
    number
  >;
}

/** Waits until the campaign's engine jobs are all finished, then answers its usage. */
async function settled(target: TestServer, key: string, campaignId: string): Promise<Usage> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const open = await target.services.db
      .select({ id: jobs.id, state: jobs.state, error: jobs.lastError })
      .from(jobs)
      .where(
        and(
          inArray(jobs.kind, ['campaign.run', 'campaign.draft']),
          inArray(jobs.state, ['queued', 'running', 'failed']),
        ),
      );
    const failed = open.filter((job) => job.state === 'failed');
    expect(failed, JSON.stringify(failed)).toEqual([]);
    const usage = await api(target.url, 'GET', `/campaigns/${campaignId}/usage`, { key });
    if (open.length === 0 && usage.body.data.stages.discovered > 0) return usage.body.data;
    if (Date.now() > deadline) throw new Error(`engine jobs still open: ${JSON.stringify(open)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function activeCampaign(fields: Record<string, unknown>) {
  server.advance(61_000);
  const created = await api(server.url, 'POST', '/campaigns', {
    key: server.adminKey,
    body: {
      name: 'Engine run',
      objective_type: 'venue_dj',
      location: 'Austin, TX',
      venue_types: ['cocktail bar'],
      max_results: 4,
      outreach_channels: ['email'],
      followup_days: [3],
      ...fields,
    },
  });
  expect(created.status, created.text).toBe(201);
  const id = created.body.data.id as string;
  const activated = await api(server.url, 'POST', `/campaigns/${id}/status`, {
    key: server.adminKey,
    body: { status: 'active' },
  });
  expect(activated.status, activated.text).toBe(200);
  return id;
}

describe('an account campaign', () => {
  it('discovers its contacts and drafts every message, waiting for approval (manual)', async () => {
    const id = await activeCampaign({});
    const usage = await settled(server, server.adminKey, id);
    expect(usage.stages.discovered).toBe(4);
    const contacts = await api(server.url, 'GET', `/campaigns/${id}/contacts`, { key: server.adminKey });
    const reachable = contacts.body.data.filter((c: { email: string | null }) => c.email !== null).length;
    expect(usage.stages.drafted).toBe(reachable * 2);
    expect(usage.stages.pending_approval).toBe(reachable * 2);
    const pending = await api(server.url, 'GET', `/messages/pending?campaign_id=${id}&limit=100`, {
      key: server.adminKey,
    });
    expect(pending.body.data).toHaveLength(reachable * 2);
    expect(pending.body.data[0].body.length).toBeGreaterThan(0);
    // The run is idempotent in effect: running the campaign's jobs again drafts nothing new.
    const again = await api(server.url, 'POST', `/campaigns/${id}/status`, {
      key: server.adminKey,
      body: { status: 'paused' },
    });
    expect(again.status).toBe(200);
    await api(server.url, 'POST', `/campaigns/${id}/status`, {
      key: server.adminKey,
      body: { status: 'active' },
    });
    const resumed = await settled(server, server.adminKey, id);
    expect(resumed.stages).toEqual(usage.stages);
  });

  it('approves drafts as they are made in auto mode', async () => {
    const id = await activeCampaign({ approval_mode: 'auto', followup_days: [] });
    const usage = await settled(server, server.adminKey, id);
    expect(usage.stages.pending_approval).toBe(0);
    expect(usage.stages.approved + usage.stages.sent).toBe(usage.stages.drafted);
    expect(usage.stages.drafted).toBeGreaterThan(0);
  });

  it('takes no step while paused, and continues when resumed', async () => {
    server.advance(61_000);
    const created = await api(server.url, 'POST', '/campaigns', {
      key: server.adminKey,
      body: { name: 'Paused at once', objective_type: 'venue_dj', keywords: ['jazz'], max_results: 3 },
    });
    const id = created.body.data.id as string;
    // A run that starts after the campaign was paused (its activation's run, late).
    await server.services.db.update(campaigns).set({ status: 'paused' }).where(eq(campaigns.id, id));
    await queueCampaignRun(server.services.db, id);
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [run] = await server.services.db
        .select({ state: jobs.state })
        .from(jobs)
        .where(eq(jobs.dedupeKey, `campaign.run:${id}`));
      if (run?.state === 'done') break;
      if (Date.now() > deadline) throw new Error(`run not done: ${run?.state}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const paused = await api(server.url, 'GET', `/campaigns/${id}/usage`, { key: server.adminKey });
    expect(paused.body.data.stages.discovered).toBe(0);
    await api(server.url, 'POST', `/campaigns/${id}/status`, {
      key: server.adminKey,
      body: { status: 'active' },
    });
    const usage = await settled(server, server.adminKey, id);
    expect(usage.stages.discovered).toBe(3);
  });
});

describe('a paid agent campaign', () => {
  let paid: PaidServer;

  beforeAll(async () => {
    paid = await startPaidServer();
  });
  afterAll(() => paid?.close());

  it('reaches queued drafts on its own after the 201, within its allotment', async () => {
    const payer = await paid.newPayer();
    const pay = x402Fetch(paid.chain, payer.account);
    const response = await pay(`${paid.server.url}/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Agent outreach',
        objective_type: 'venue_dj',
        location: 'Austin, TX',
        outreach_channels: ['email', 'instagram'],
        followup_days: [3, 7, 14],
      }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: inspected freely
    const json: any = await response.json();
    expect(response.status, JSON.stringify(json)).toBe(201);
    const agentKey = json.meta.payment.agent_api_key.key as string;
    const usage = await settled(paid.server, agentKey, json.data.id);
    expect(usage.allotment).toEqual({ contacts: 30, messages: 240 });
    expect(usage.stages.discovered).toBe(30);
    expect(usage.stages.drafted).toBeGreaterThan(0);
    expect(usage.stages.drafted).toBeLessThanOrEqual(240);
    expect(usage.stages.pending_approval).toBe(0);
    expect(usage.stages.approved + usage.stages.sent).toBe(usage.stages.drafted);
  });
});
