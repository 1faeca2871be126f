/**
 * A campaign's life after it is created: updates, the status machine (every pair of statuses), soft
 * deletion, list filters, the audit rows they write, and who may do it: another account's campaigns
 * are 404, an agent's key reaches its own campaigns only and an account never sees them.
 */

import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, campaigns } from '../../db/schema.ts';
import { jobs } from '../../db/schema-jobs.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { CAMPAIGN_STATUSES } from '../../src/domain/campaigns/campaign-view.ts';
import { type CampaignStatus, statusMove } from '../../src/domain/campaigns/status-machine.ts';
import { agentWithKey } from '../helpers/agent-key.ts';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
let writer: string;
let stranger: string;

beforeAll(async () => {
  server = await startTestServer();
  writer = (await createKey(server.url, server.adminKey, ['read', 'write'])).key;
  const other = await createAccount(server.services.db, 'stranger@example.com');
  stranger = other.key.key;
});
afterAll(() => server.close());
beforeEach(() => server.advance(61_000));

async function newCampaign(fields: Record<string, unknown> = {}, key = writer) {
  const created = await api(server.url, 'POST', '/campaigns', {
    key,
    body: {
      name: 'Brooklyn cafés',
      objective_type: 'product_promotion',
      location: 'Brooklyn, NY',
      ...fields,
    },
  });
  expect(created.status, created.text).toBe(201);
  return created.body.data as { id: string; status: string };
}

const setStatus = (id: string, status: string, key = writer) =>
  api(server.url, 'POST', `/campaigns/${id}/status`, { key, body: { status } });

async function auditOf(action: string, resourceId: string) {
  return server.services.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.resourceId, resourceId)));
}

describe('the status machine', () => {
  const discoverable = { contacts: 0, targetProfiles: 0, location: 'Brooklyn', keywords: [], venueTypes: [] };
  const expected: Record<string, string> = {
    'draft>active': 'ok',
    'active>paused': 'ok',
    'active>completed': 'ok',
    'paused>active': 'ok',
    'paused>completed': 'ok',
    'active>active': 'CAMP_005',
  };

  it.each(
    CAMPAIGN_STATUSES.flatMap((from) =>
      CAMPAIGN_STATUSES.map((to) => [from, to] as [CampaignStatus, CampaignStatus]),
    ),
  )('%s → %s', (from, to) => {
    const move = statusMove(from, to, discoverable);
    expect(move.ok ? 'ok' : move.code).toBe(expected[`${from}>${to}`] ?? 'CAMP_008');
  });

  it('activates a draft only with contacts or something to discover them from', () => {
    const nothing = { contacts: 0, targetProfiles: 0, location: null, keywords: [], venueTypes: [] };
    expect(statusMove('draft', 'active', nothing)).toMatchObject({ ok: false, code: 'CAMP_007' });
    expect(statusMove('draft', 'active', { ...nothing, contacts: 3 }).ok).toBe(true);
    expect(statusMove('draft', 'active', { ...nothing, keywords: ['coffee'] }).ok).toBe(true);
    expect(statusMove('draft', 'active', { ...nothing, venueTypes: ['bar'] }).ok).toBe(true);
    expect(statusMove('draft', 'active', { ...nothing, targetProfiles: 1 }).ok).toBe(true);
    // Resuming a paused campaign needs nothing more.
    expect(statusMove('paused', 'active', nothing).ok).toBe(true);
  });
});

describe('campaigns.set_status', () => {
  it('activates, pauses, resumes and completes, queueing the run once, with an audit row per move', async () => {
    const { id } = await newCampaign();
    const activated = await setStatus(id, 'active');
    expect(activated.status, activated.text).toBe(200);
    expect(activated.body.data.status).toBe('active');
    const queued = () =>
      server.services.db
        .select()
        .from(jobs)
        .where(eq(jobs.dedupeKey, `campaign.run:${id}`));
    expect(await queued()).toHaveLength(1);

    const again = await setStatus(id, 'active');
    expect([again.status, again.body.error.code]).toEqual([409, 'CAMP_005']);
    expect((await setStatus(id, 'paused')).body.data.status).toBe('paused');
    expect((await setStatus(id, 'active')).body.data.status).toBe('active');
    expect(await queued()).toHaveLength(1);

    const completed = await setStatus(id, 'completed');
    expect(completed.body.data).toMatchObject({ status: 'completed', completed_at: expect.any(String) });
    const reopened = await setStatus(id, 'active');
    expect([reopened.status, reopened.body.error.code]).toEqual([400, 'CAMP_008']);

    const moves = await auditOf('update_campaign', id);
    expect(moves.map((row) => row.metadata)).toEqual(
      expect.arrayContaining([
        { from: 'draft', to: 'active' },
        { from: 'active', to: 'paused' },
        { from: 'paused', to: 'active' },
        { from: 'active', to: 'completed' },
      ]),
    );
    expect(moves).toHaveLength(4);
  });

  it('refuses a draft with nothing to work on (CAMP_007), other moves (CAMP_008) and unknown statuses (422)', async () => {
    const { id } = await newCampaign({ location: undefined });
    const empty = await setStatus(id, 'active');
    expect([empty.status, empty.body.error.code]).toEqual([400, 'CAMP_007']);
    for (const status of ['paused', 'completed', 'deleted', 'pending_payment', 'draft']) {
      const refused = await setStatus(id, status);
      expect([refused.status, refused.body.error.code], status).toEqual([400, 'CAMP_008']);
    }
    const unknown = await setStatus(id, 'running');
    expect([unknown.status, unknown.body.error.code]).toEqual([422, 'SERVER_005']);
    const got = await api(server.url, 'GET', `/campaigns/${id}`, { key: writer });
    expect(got.body.data.status).toBe('draft');
  });

  it('activates a draft with nothing to discover from once it has contacts', async () => {
    const { id } = await newCampaign({ location: undefined });
    expect((await setStatus(id, 'active')).body.error.code).toBe('CAMP_007');
    const added = await api(server.url, 'POST', '/contacts', {
      key: writer,
      body: { email: `activate-${id}@example.com`, campaign_id: id },
    });
    expect(added.status, added.text).toBe(201);
    const activated = await setStatus(id, 'active');
    expect(activated.status, activated.text).toBe(200);
    expect(activated.body.data.status).toBe('active');
  });

  it("answers 404 for another account's campaign, a deleted one and ids that name nothing", async () => {
    const { id } = await newCampaign();
    for (const [target, key] of [
      [id, stranger],
      ['00000000-0000-4000-8000-000000000000', writer],
      ['not-a-uuid', writer],
    ] as const) {
      const response = await setStatus(target, 'active', key);
      expect([response.status, response.body.error.code]).toEqual([404, 'CAMP_001']);
    }
    await api(server.url, 'DELETE', `/campaigns/${id}`, { key: writer });
    const gone = await setStatus(id, 'active');
    expect([gone.status, gone.body.error.code]).toEqual([404, 'CAMP_001']);
  });
});

describe('campaigns.update', () => {
  it('changes the fields sent, clears optional ones with null and leaves the rest', async () => {
    const { id } = await newCampaign({ keywords: ['coffee'], radius_miles: 5 });
    const updated = await api(server.url, 'PATCH', `/campaigns/${id}`, {
      key: writer,
      body: { name: 'Brooklyn bakeries', approval_mode: 'auto', location: null, followup_days: [2, 5] },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.data).toMatchObject({
      id,
      name: 'Brooklyn bakeries',
      approval_mode: 'auto',
      location: null,
      radius_miles: 5,
      keywords: ['coffee'],
      followup_days: [2, 5],
      status: 'draft',
    });
    const [audit] = await auditOf('update_campaign', id);
    expect(audit?.metadata).toEqual({ fields: ['approval_mode', 'followup_days', 'location', 'name'] });
  });

  it('refuses the status (use set_status), bad values (422) and strangers (404), changing nothing', async () => {
    const { id } = await newCampaign();
    for (const body of [{ status: 'active' }, { max_results: 0 }, { outreach_channels: ['fax'] }]) {
      const refused = await api(server.url, 'PATCH', `/campaigns/${id}`, { key: writer, body });
      expect([refused.status, refused.body.error.code], JSON.stringify(body)).toEqual([422, 'SERVER_005']);
    }
    const foreign = await api(server.url, 'PATCH', `/campaigns/${id}`, {
      key: stranger,
      body: { name: 'mine' },
    });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'CAMP_001']);
    const missing = await api(server.url, 'PATCH', '/campaigns/00000000-0000-4000-8000-000000000000', {
      key: writer,
      body: { name: 'x' },
    });
    expect(missing.status).toBe(404);
    const got = await api(server.url, 'GET', `/campaigns/${id}`, { key: writer });
    expect(got.body.data).toMatchObject({ name: 'Brooklyn cafés', max_results: 50 });
  });
});

describe('campaigns.delete', () => {
  it('soft-deletes: the answer shows it deleted, then reads, lists and deletes answer as if it never was', async () => {
    const { id } = await newCampaign();
    const foreign = await api(server.url, 'DELETE', `/campaigns/${id}`, { key: stranger });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'CAMP_001']);

    const deleted = await api(server.url, 'DELETE', `/campaigns/${id}`, { key: writer });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body.data).toMatchObject({ id, status: 'deleted', deleted_at: expect.any(String) });
    expect((await api(server.url, 'GET', `/campaigns/${id}`, { key: writer })).status).toBe(404);
    expect((await api(server.url, 'DELETE', `/campaigns/${id}`, { key: writer })).status).toBe(404);
    const list = await api(server.url, 'GET', '/campaigns?limit=100', { key: writer });
    expect(list.body.data.map((c: { id: string }) => c.id)).not.toContain(id);
    const [row] = await server.services.db.select().from(campaigns).where(eq(campaigns.id, id));
    expect(row?.status).toBe('deleted');
    expect(await auditOf('delete_campaign', id)).toHaveLength(1);
  });
});

describe('campaigns.list filters', () => {
  it('filters by status and objective_type', async () => {
    const objective = `filter_${Date.now()}`;
    const a = await newCampaign({ objective_type: objective });
    const b = await newCampaign({ objective_type: objective });
    await setStatus(b.id, 'active');
    const list = (query: string) =>
      api(server.url, 'GET', `/campaigns?${query}`, { key: writer }).then((r) =>
        r.body.data.map((c: { id: string }) => c.id),
      );
    expect(await list(`objective_type=${objective}`)).toEqual([b.id, a.id]);
    expect(await list(`objective_type=${objective}&status=active`)).toEqual([b.id]);
    expect(await list(`objective_type=${objective}&status=draft`)).toEqual([a.id]);
  });
});

describe("an agent's campaigns", () => {
  it('are reached by its key only: it updates, pauses, resumes and deletes them; accounts never see them', async () => {
    const db = server.services.db;
    const { identityId, agentKey } = await agentWithKey(
      server,
      '0x00000000000000000000000000000000000a9e47',
      'agent test',
    );
    const [paid] = await db
      .insert(campaigns)
      .values({
        userId: server.services.systemUserId,
        agentIdentityId: identityId,
        name: 'paid by an agent',
        objectiveType: 'product_promotion',
        maxResults: 30,
        outreachChannels: ['email'],
        status: 'active',
        approvalMode: 'auto',
      })
      .returning();
    if (!paid) throw new Error('no campaign');
    const mine = await newCampaign();

    for (const key of [writer, stranger, server.adminKey]) {
      expect((await api(server.url, 'GET', `/campaigns/${paid.id}`, { key })).status).toBe(404);
      expect((await setStatus(paid.id, 'paused', key)).status).toBe(404);
    }
    expect((await api(server.url, 'GET', `/campaigns/${mine.id}`, { key: agentKey.key })).status).toBe(404);
    expect((await setStatus(mine.id, 'active', agentKey.key)).status).toBe(404);

    const renamed = await api(server.url, 'PATCH', `/campaigns/${paid.id}`, {
      key: agentKey.key,
      body: { name: 'renamed by its agent' },
    });
    expect(renamed.body.data).toMatchObject({ name: 'renamed by its agent', approval_mode: 'auto' });
    expect((await setStatus(paid.id, 'paused', agentKey.key)).body.data.status).toBe('paused');
    expect((await setStatus(paid.id, 'active', agentKey.key)).body.data.status).toBe('active');
    const deleted = await api(server.url, 'DELETE', `/campaigns/${paid.id}`, { key: agentKey.key });
    expect(deleted.body.data.status).toBe('deleted');
  });
});

describe('target profiles', () => {
  const profilesOf = (id: string, key = writer) =>
    api(server.url, 'GET', `/campaigns/${id}/target-profiles`, { key });
  const addProfile = (id: string, body: Record<string, unknown>, key = writer, headers = {}) =>
    api(server.url, 'POST', `/campaigns/${id}/target-profiles`, { key, body, headers });

  it('are added, listed oldest first and removed, each with an audit row', async () => {
    const { id } = await newCampaign();
    const first = await addProfile(id, { name: 'cocktail bars', keywords: ['live music'], radius_miles: 3 });
    expect(first.status, first.text).toBe(201);
    expect(first.body.data).toMatchObject({
      campaign_id: id,
      name: 'cocktail bars',
      keywords: ['live music'],
      venue_types: [],
      radius_miles: 3,
      description: null,
    });
    server.advance(10);
    const second = await addProfile(id, { name: 'wine bars', venue_types: ['wine bar'] });
    const listed = await profilesOf(id);
    expect(listed.body.data.map((p: { name: string }) => p.name)).toEqual(['cocktail bars', 'wine bars']);

    const removed = await api(
      server.url,
      'DELETE',
      `/campaigns/${id}/target-profiles/${second.body.data.id}`,
      {
        key: writer,
      },
    );
    expect(removed.status, removed.text).toBe(200);
    expect((await profilesOf(id)).body.data).toHaveLength(1);
    const again = await api(server.url, 'DELETE', `/campaigns/${id}/target-profiles/${second.body.data.id}`, {
      key: writer,
    });
    expect([again.status, again.body.error.code]).toEqual([404, 'SERVER_003']);
    expect(await auditOf('create_target_profile', first.body.data.id)).toHaveLength(1);
    expect(await auditOf('delete_target_profile', second.body.data.id)).toHaveLength(1);
  });

  it('let a campaign with nothing else to discover from be activated', async () => {
    const { id } = await newCampaign({ location: undefined });
    expect((await setStatus(id, 'active')).body.error.code).toBe('CAMP_007');
    await addProfile(id, { name: 'record stores', location: 'Queens, NY' });
    expect((await setStatus(id, 'active')).body.data.status).toBe('active');
  });

  it("validate their input and belong to the campaign's owner only", async () => {
    const { id } = await newCampaign();
    const bad = await addProfile(id, { name: '', keywords: 'not a list' });
    expect([bad.status, bad.body.error.code]).toEqual([422, 'SERVER_005']);
    const added = await addProfile(id, { name: 'mine' });
    for (const response of [
      await profilesOf(id, stranger),
      await addProfile(id, { name: 'theirs' }, stranger),
      await api(server.url, 'DELETE', `/campaigns/${id}/target-profiles/${added.body.data.id}`, {
        key: stranger,
      }),
    ]) {
      expect([response.status, response.body.error.code]).toEqual([404, 'CAMP_001']);
    }
    const other = await newCampaign();
    const elsewhere = await api(
      server.url,
      'DELETE',
      `/campaigns/${other.id}/target-profiles/${added.body.data.id}`,
      {
        key: writer,
      },
    );
    expect([elsewhere.status, elsewhere.body.error.code]).toEqual([404, 'SERVER_003']);
    expect((await profilesOf(id)).body.data.map((p: { name: string }) => p.name)).toEqual(['mine']);
  });

  it('stop at 20 per campaign, even when 25 are added at once; an Idempotency-Key replays', async () => {
    const { id } = await newCampaign();
    const keyed = await addProfile(id, { name: 'keyed' }, writer, { 'idempotency-key': `tp-${id}` });
    const replay = await addProfile(id, { name: 'keyed' }, writer, { 'idempotency-key': `tp-${id}` });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.data.id).toBe(keyed.body.data.id);
    server.advance(61_000);
    const burst = await Promise.all(
      Array.from({ length: 25 }, (_, i) => addProfile(id, { name: `profile ${i}` })),
    );
    const created = burst.filter((r) => r.status === 201).length;
    // 30 campaign writes a minute per key: some of the burst may be rate-limited instead of refused.
    const refused = burst.filter((r) => r.status === 422 && r.body.error.code === 'SERVER_005').length;
    expect(created).toBe(19);
    expect(created + refused + burst.filter((r) => r.status === 429).length).toBe(25);
    server.advance(61_000);
    expect((await profilesOf(id)).body.data).toHaveLength(20);
  });
});
