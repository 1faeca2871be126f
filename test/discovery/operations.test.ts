/**
 * The discovery operations over HTTP on the built-in sample source: a search answers its contacts and the
 * id of the job recording it (get_job and jobs show it); with campaign_id the results become the
 * campaign's contacts, once however often the search runs; search_campaign searches the campaign's own
 * criteria and each target profile; other accounts' jobs and campaigns are not found; bad input is 422;
 * the discovery rate-limit class (5 an hour per key) and the plan's period quota (DISCOVERY_008) apply;
 * an agent key sees only its identity's jobs.
 */

import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, campaigns } from '../../db/schema.ts';
import { events } from '../../db/schema-events.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { setPlan } from '../../src/domain/accounts/set-plan.ts';
import { discoverForCampaign } from '../../src/domain/discovery/discover-for-campaign.ts';
import type { DiscoveryQuery } from '../../src/integrations/discovery/discovery-port.ts';
import { sampleRecords } from '../../src/integrations/discovery/sample-source.ts';
import { agentWithKey } from '../helpers/agent-key.ts';
import { api, createKey, expectErrorEnvelope } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
/** The `*` key of a pro account (enough quota for every test here). */
let owner: string;
let stranger: string;

const SEARCH = {
  keywords: ['live music', 'dj nights'],
  venue_types: ['bar', 'lounge'],
  location: 'Brooklyn, NY',
  radius_miles: 10,
};

/** The sample query the API builds from SEARCH. */
function sampleQuery(fields: Partial<DiscoveryQuery> = {}): DiscoveryQuery {
  return {
    query: null,
    location: SEARCH.location,
    radiusMiles: SEARCH.radius_miles,
    venueTypes: SEARCH.venue_types,
    keywords: SEARCH.keywords,
    sources: [],
    limit: 25,
    enrichEmails: false,
    ...fields,
  };
}

async function proAccount(email: string): Promise<string> {
  const account = await createAccount(server.services.db, email);
  await setPlan(server.services.db, email, 'pro');
  return account.key.key;
}

/** A new key of the account: a fresh discovery rate-limit bucket (5 searches an hour per key). */
const freshKey = async (accountKey: string, scopes = ['read', 'write', 'generate']) =>
  (await createKey(server.url, accountKey, scopes)).key;

const search = (key: string, body: Record<string, unknown>) =>
  api(server.url, 'POST', '/discovery/search', { key, body });

async function newCampaign(key: string, fields: Record<string, unknown> = {}) {
  const created = await api(server.url, 'POST', '/campaigns', {
    key,
    body: { name: 'Discovery test', objective_type: 'venue_dj', ...SEARCH, ...fields },
  });
  expect(created.status, created.text).toBe(201);
  return created.body.data.id as string;
}

beforeAll(async () => {
  server = await startTestServer();
  owner = await proAccount('discovery-owner@example.com');
  stranger = await proAccount('discovery-stranger@example.com');
});
afterAll(() => server.close());
// Fresh burst and minute windows; the discovery class's window is an hour, so tests use fresh keys.
beforeEach(() => server.advance(61_000));

describe('discovery.search', () => {
  it('answers the contacts found and the job recording them; get_job and jobs show it', async () => {
    const key = await freshKey(owner);
    const response = await search(key, { ...SEARCH, limit: 5 });
    expect(response.status, response.text).toBe(200);
    const data = response.body.data;
    expect(data).toMatchObject({
      job_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      campaign_id: null,
      total_results: 5,
      sources: ['sample'],
      added: { created: 0, merged: 0 },
    });
    const expected = sampleRecords(sampleQuery({ limit: 5 }));
    expect(data.contacts.map((c: { external_id: string }) => c.external_id)).toEqual(
      expected.map((r) => r.externalId),
    );
    expect(data.contacts[0]).toEqual({
      source: 'sample',
      external_id: expected[0]?.externalId,
      email: expected[0]?.email,
      first_name: expected[0]?.firstName,
      last_name: expected[0]?.lastName,
      company: expected[0]?.company,
      title: expected[0]?.title,
      phone: expected[0]?.phone,
      website: expected[0]?.website,
      instagram_handle: expected[0]?.instagramHandle,
      x_handle: expected[0]?.xHandle,
      location: 'Brooklyn, NY',
      attributes: expected[0]?.attributes,
      contact_id: null,
    });

    // The same search, the same records; a new job.
    const again = await search(key, { ...SEARCH, limit: 5 });
    expect(again.body.data.contacts).toEqual(data.contacts);
    expect(again.body.data.job_id).not.toBe(data.job_id);

    const job = await api(server.url, 'GET', `/discovery/jobs/${data.job_id}`, { key });
    expect(job.status, job.text).toBe(200);
    expect(job.body.data).toEqual({
      id: data.job_id,
      status: 'completed',
      campaign_id: null,
      query: {
        query: null,
        location: 'Brooklyn, NY',
        radius_miles: 10,
        venue_types: ['bar', 'lounge'],
        keywords: ['live music', 'dj nights'],
        sources: ['sample'],
        limit: 5,
        enrich_emails: false,
        target_profile_ids: [],
      },
      result_count: 5,
      progress: 1,
      error: null,
      created_at: expect.any(String),
      completed_at: expect.any(String),
      results: data.contacts,
    });

    const list = await api(server.url, 'GET', '/discovery/jobs?limit=1', { key });
    expect(list.status, list.text).toBe(200);
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ id: again.body.data.job_id, result_count: 5 });
    expect(list.body.data[0]).not.toHaveProperty('results');
    expect(list.body.meta.pagination.has_more).toBe(true);
    const next = await api(
      server.url,
      'GET',
      `/discovery/jobs?limit=1&cursor=${list.body.meta.pagination.next_cursor}`,
      { key },
    );
    expect(next.body.data[0].id).toBe(data.job_id);

    const [audit] = await server.services.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'discover_contacts'), eq(auditLog.resourceId, data.job_id)));
    expect(audit?.metadata).toEqual({ sources: ['sample'], result_count: 5 });
    const emitted = await server.services.db
      .select()
      .from(events)
      .where(eq(events.type, 'discovery.completed'));
    expect(emitted.map((e) => e.data)).toContainEqual({
      id: data.job_id,
      campaign_id: null,
      sources: ['sample'],
      result_count: 5,
      contacts_added: 0,
    });
  });

  it('defaults to 25 results, takes max_results as the limit, and lists the sources', async () => {
    const key = await freshKey(owner);
    expect((await search(key, { query: 'rooftop bars' })).body.data.total_results).toBe(25);
    expect((await search(key, { query: 'rooftop bars', max_results: 3 })).body.data.total_results).toBe(3);
    const sources = await api(server.url, 'GET', '/discovery/sources', { key });
    expect(sources.body.data.map((s: { id: string; available: boolean }) => [s.id, s.available])).toEqual([
      ['google_maps', false],
      ['instagram', false],
      ['twitter', false],
      ['sample', true],
    ]);
  });

  it('with campaign_id adds the results to the campaign as contacts, once however often it runs', async () => {
    const key = await freshKey(owner);
    const campaignId = await newCampaign(owner);
    const first = await search(key, { ...SEARCH, limit: 20, campaign_id: campaignId });
    expect(first.status, first.text).toBe(200);
    expect(first.body.data.added).toEqual({ created: 20, merged: 0 });
    const contacts = first.body.data.contacts as { contact_id: string | null; email: string | null }[];
    // Some sample venues list no email: they are reachable (and matched again) by their handles.
    expect(contacts.some((c) => c.email === null)).toBe(true);
    expect(contacts.every((c) => c.contact_id !== null)).toBe(true);

    const members = await api(server.url, 'GET', `/campaigns/${campaignId}/contacts?limit=100`, { key });
    expect(members.body.data).toHaveLength(20);
    for (const contact of members.body.data) {
      expect(contact).toMatchObject({ source: 'discovery', tags: ['sample'], campaign_ids: [campaignId] });
    }
    expect(new Set(members.body.data.map((c: { id: string }) => c.id))).toEqual(
      new Set(contacts.map((c) => c.contact_id)),
    );

    const before = (await api(server.url, 'GET', '/contacts?limit=100', { key })).body.data.length;
    const again = await search(key, { ...SEARCH, limit: 20, campaign_id: campaignId });
    expect(again.body.data.added).toEqual({ created: 0, merged: 20 });
    expect(again.body.data.contacts.map((c: { contact_id: string }) => c.contact_id)).toEqual(
      contacts.map((c) => c.contact_id),
    );
    const after = await api(server.url, 'GET', '/contacts?limit=100', { key });
    expect(after.body.data).toHaveLength(before);

    const job = await api(server.url, 'GET', `/discovery/jobs/${first.body.data.job_id}`, { key });
    expect(job.body.data).toMatchObject({ campaign_id: campaignId, results: contacts });
    const byCampaign = await api(server.url, 'GET', `/discovery/jobs?campaign_id=${campaignId}`, { key });
    expect(byCampaign.body.data.map((j: { id: string }) => j.id)).toEqual([
      again.body.data.job_id,
      first.body.data.job_id,
    ]);
  });
});

describe('discovery.search_campaign', () => {
  it('searches the campaign’s criteria and each target profile, and adds the results to the campaign', async () => {
    const key = await freshKey(owner);
    // Criteria no other test searches: what it finds is new to the account.
    const campaignId = await newCampaign(owner, { max_results: 9, location: 'Queens, NY' });
    const profiles: string[] = [];
    for (const body of [
      { name: 'Record stores with DJ booths', keywords: ['vinyl'], venue_types: ['record store'] },
      { name: 'Jazz clubs in Harlem', location: 'Harlem, NY', keywords: ['jazz'] },
    ]) {
      const created = await api(server.url, 'POST', `/campaigns/${campaignId}/target-profiles`, {
        key,
        body,
      });
      expect(created.status, created.text).toBe(201);
      profiles.push(created.body.data.id);
    }
    const response = await api(server.url, 'POST', '/discovery/search-campaign', {
      key,
      body: { campaign_id: campaignId },
    });
    expect(response.status, response.text).toBe(200);
    const data = response.body.data;
    // Three searches, each asked for a third of the allotment (9), email enrichment on (email channel).
    const share = { limit: 3, enrichEmails: true };
    const expected = [
      sampleRecords(sampleQuery({ ...share, location: 'Queens, NY' })),
      sampleRecords(
        sampleQuery({ ...share, location: 'Queens, NY', venueTypes: ['record store'], keywords: ['vinyl'] }),
      ),
      sampleRecords(sampleQuery({ ...share, location: 'Harlem, NY', venueTypes: [], keywords: ['jazz'] })),
    ];
    expect(new Set(data.contacts.map((c: { external_id: string }) => c.external_id))).toEqual(
      new Set(expected.flat().map((r) => r.externalId)),
    );
    expect(data).toMatchObject({
      campaign_id: campaignId,
      total_results: 9,
      added: { created: 9, merged: 0 },
    });

    const job = await api(server.url, 'GET', `/discovery/jobs/${data.job_id}`, { key });
    expect(job.body.data.query).toMatchObject({
      target_profile_ids: profiles,
      limit: 9,
      enrich_emails: true,
      sources: ['sample'],
    });
    const members = await api(server.url, 'GET', `/campaigns/${campaignId}/contacts?limit=100`, { key });
    expect(members.body.data).toHaveLength(9);
    const [audit] = await server.services.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'discover_campaign_contacts'), eq(auditLog.resourceId, data.job_id)));
    expect(audit?.metadata).toMatchObject({ campaign_id: campaignId, result_count: 9 });

    // Run again: nothing is added twice.
    const again = await api(server.url, 'POST', '/discovery/search-campaign', {
      key,
      body: { campaign_id: campaignId, limit: 9 },
    });
    expect(again.body.data.added).toEqual({ created: 0, merged: 9 });
  });
});

describe('ownership and input', () => {
  it("answers 404 for another account's job and campaign, and for ids that name nothing", async () => {
    const key = await freshKey(owner);
    const campaignId = await newCampaign(owner);
    const { job_id: jobId } = (await search(key, { query: 'wine bars', limit: 2 })).body.data;
    const strangerKey = await freshKey(stranger);
    for (const [id, who] of [
      [jobId, strangerKey],
      ['00000000-0000-4000-8000-000000000000', key],
      ['not-a-uuid', key],
    ] as const) {
      const response = await api(server.url, 'GET', `/discovery/jobs/${id}`, { key: who });
      expect(response.status, `${id} ${response.text}`).toBe(404);
      expectErrorEnvelope(response, 'DISCOVERY_002');
    }
    const theirs = await api(server.url, 'GET', '/discovery/jobs', { key: strangerKey });
    expect(theirs.body.data.map((j: { id: string }) => j.id)).not.toContain(jobId);
    for (const response of [
      await search(strangerKey, { query: 'wine bars', campaign_id: campaignId }),
      await api(server.url, 'POST', '/discovery/search-campaign', {
        key: strangerKey,
        body: { campaign_id: campaignId },
      }),
      await api(server.url, 'GET', `/discovery/jobs?campaign_id=${campaignId}`, { key: strangerKey }),
    ]) {
      expect([response.status, response.body.error.code]).toEqual([404, 'CAMP_001']);
    }
  });

  it.each([
    ['no criteria', {}, 'at least one of query, location, venue_types or keywords'],
    ['an empty query', { query: '  ' }, 'query'],
    ['a limit of 0', { query: 'bars', limit: 0 }, 'limit'],
    ['a limit over 100', { query: 'bars', limit: 101 }, 'limit'],
    ['limit and max_results that differ', { query: 'bars', limit: 3, max_results: 4 }, 'max_results'],
    ['an unknown source', { query: 'bars', sources: ['myspace'] }, 'sources'],
    ['a source not configured', { query: 'bars', sources: ['google_maps'] }, 'not configured'],
  ])('refuses %s with 422 SERVER_005', async (_, body, mention) => {
    const key = await freshKey(owner);
    const response = await search(key, body);
    expect(response.status, response.text).toBe(422);
    expectErrorEnvelope(response, 'SERVER_005');
    expect(response.body.error.message).toContain(mention);
  });

  it('needs the generate scope to search, read to look at jobs', async () => {
    const reader = await freshKey(owner, ['read', 'write']);
    const refused = await search(reader, { query: 'bars' });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'APIKEY_004']);
    expect(refused.body.error.message).toContain('generate');
    expect((await api(server.url, 'GET', '/discovery/jobs', { key: reader })).status).toBe(200);
  });
});

describe('limits', () => {
  it('the sixth search of a key within an hour is 429 RATE_001 (both searches count); other keys go on', async () => {
    const key = await freshKey(owner);
    const campaignId = await newCampaign(owner);
    for (let i = 0; i < 4; i++)
      expect((await search(key, { query: `bars ${i}`, limit: 1 })).status).toBe(200);
    const fifth = await api(server.url, 'POST', '/discovery/search-campaign', {
      key,
      body: { campaign_id: campaignId, limit: 1 },
    });
    expect(fifth.status, fifth.text).toBe(200);
    server.advance(61_000);
    for (const limited of [
      await search(key, { query: 'bars 6', limit: 1 }),
      await api(server.url, 'POST', '/discovery/search-campaign', { key, body: { campaign_id: campaignId } }),
    ]) {
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({
        success: false,
        error: { code: 'RATE_001' },
        limit: 5,
        remaining: 0,
      });
      // The hour's window, not the minute's.
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3_000);
    }
    // Reads are not in the class; another key of the account is not limited.
    expect((await api(server.url, 'GET', '/discovery/jobs', { key })).status).toBe(200);
    expect((await search(await freshKey(owner), { query: 'bars 7', limit: 1 })).status).toBe(200);
  });

  it('a free account gets DISCOVERY_008 after its 10 searches of the period (both searches count)', async () => {
    const email = 'discovery-free@example.com';
    const free = (await createAccount(server.services.db, email)).key.key;
    const campaignId = await newCampaign(free, { max_results: 2 });
    const keys = [await freshKey(free), await freshKey(free), await freshKey(free)];
    for (let i = 0; i < 10; i++) {
      const key = keys[Math.floor(i / 5)] as string;
      const response =
        i === 9
          ? await api(server.url, 'POST', '/discovery/search-campaign', {
              key,
              body: { campaign_id: campaignId },
            })
          : await search(key, { query: `cafes ${i}`, limit: 1 });
      expect(response.status, `search ${i + 1}: ${response.text}`).toBe(200);
    }
    const over = await search(keys[2] as string, { query: 'cafes 11', limit: 1 });
    expect(over.status).toBe(429);
    expectErrorEnvelope(over, 'DISCOVERY_008');
    expect(over.body.error.message).toContain('the free plan allows 10 discovery searches');
    const overCampaign = await api(server.url, 'POST', '/discovery/search-campaign', {
      key: keys[2] as string,
      body: { campaign_id: campaignId },
    });
    expect([overCampaign.status, overCampaign.body.error.code]).toEqual([429, 'DISCOVERY_008']);
    // A refused search is no job.
    const jobs = await api(server.url, 'GET', '/discovery/jobs?limit=100', { key: keys[2] as string });
    expect(jobs.body.data).toHaveLength(10);
    // Another plan, more searches.
    await setPlan(server.services.db, email, 'pro');
    expect((await search(keys[2] as string, { query: 'cafes 12', limit: 1 })).status).toBe(200);
  });
});

describe('an agent key', () => {
  it('sees only its identity’s jobs (its campaigns’ searches), and cannot search', async () => {
    const db = server.services.db;
    const { identityId, agentKey } = await agentWithKey(
      server,
      '0x00000000000000000000000000000000000d15c0',
      'discovery test',
    );
    const [paid] = await db
      .insert(campaigns)
      .values({
        userId: server.services.systemUserId,
        agentIdentityId: identityId,
        name: 'paid by an agent',
        objectiveType: 'product_promotion',
        location: 'Austin, TX',
        keywords: ['coffee'],
        maxResults: 30,
        outreachChannels: ['email'],
        status: 'active',
        approvalMode: 'auto',
      })
      .returning();
    if (!paid) throw new Error('no campaign');
    // What the campaign engine's job does.
    const outcome = await db.transaction((tx) =>
      discoverForCampaign(tx, server.services, paid, { limit: 4, now: server.services.clock() }),
    );
    expect(outcome.added).toHaveLength(4);
    expect(
      outcome.added.every((row) => row.result === 'created' && row.contact.campaign_ids[0] === paid.id),
    ).toBe(true);

    const mine = await api(server.url, 'GET', '/discovery/jobs', { key: agentKey.key });
    expect(mine.body.data.map((j: { id: string }) => j.id)).toEqual([outcome.jobId]);
    const job = await api(server.url, 'GET', `/discovery/jobs/${outcome.jobId}`, { key: agentKey.key });
    expect(job.body.data).toMatchObject({ status: 'completed', campaign_id: paid.id, result_count: 4 });
    const contacts = await api(server.url, 'GET', `/campaigns/${paid.id}/contacts`, { key: agentKey.key });
    expect(contacts.body.data).toHaveLength(4);

    // Nobody else sees the agent's job; the agent sees no account's job.
    expect((await api(server.url, 'GET', `/discovery/jobs/${outcome.jobId}`, { key: owner })).status).toBe(
      404,
    );
    const accountJob = (await search(await freshKey(owner), { query: 'tea rooms', limit: 1 })).body.data
      .job_id;
    const hidden = await api(server.url, 'GET', `/discovery/jobs/${accountJob}`, { key: agentKey.key });
    expect([hidden.status, hidden.body.error.code]).toEqual([404, 'DISCOVERY_002']);
    // Agent keys hold read and write: searching needs generate.
    const refused = await search(agentKey.key, { query: 'bars' });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'APIKEY_004']);
  });
});
