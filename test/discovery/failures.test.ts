/**
 * Discovery against failing providers, and against the Apify adapter on a local server through the REST
 * API: a failed search answers DISCOVERY_006 (the provider rate-limited us after retries) or DISCOVERY_001
 * (anything else) with the id of its job, and that job — written outside the operation's transaction,
 * which rolls back — is there afterwards, failed, with its discovery.failed event; nothing else is kept
 * (no contacts, no audit row) and a failure does not spend the plan's quota. With APIFY_TOKEN and
 * APIFY_BASE_URL set, the server searches Google Maps, Instagram and X through the actors by default.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.ts';
import { events } from '../../db/schema-events.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { usedInPeriod } from '../../src/domain/billing/period-limits.ts';
import { periodOf } from '../../src/domain/billing/plans.ts';
import { APIFY_ACTORS } from '../../src/integrations/discovery/apify-actors.ts';
import { createApifySource } from '../../src/integrations/discovery/apify-source.ts';
import { combineSources } from '../../src/integrations/discovery/discovery.ts';
import { DiscoveryFailure, type DiscoveryPort } from '../../src/integrations/discovery/discovery-port.ts';
import { createSampleSource } from '../../src/integrations/discovery/sample-source.ts';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { type ApifyServer, startApifyServer } from './apify-server.ts';

let server: TestServer;
let apify: ApifyServer;
let account: { userId: string; key: string };
/** What the server's discovery port delegates to; each test sets it. */
let current: DiscoveryPort = createSampleSource();
const switchable: DiscoveryPort = {
  sources: () => current.sources(),
  search: (query, options) => current.search(query, options),
};

beforeAll(async () => {
  apify = await startApifyServer();
  server = await startTestServer({}, { discovery: switchable });
  const created = await createAccount(server.services.db, 'discovery-failures@example.com');
  account = { userId: created.userId, key: created.key.key };
});
afterAll(async () => {
  await server?.close();
  await apify?.close();
});
beforeEach(() => {
  server.advance(61_000);
  apify.requests.length = 0;
  apify.actors.clear();
});

const freshKey = async () => (await createKey(server.url, account.key, ['read', 'write', 'generate'])).key;
const failing = (error: unknown): DiscoveryPort => ({
  sources: () => createSampleSource().sources(),
  search: async () => {
    throw error;
  },
});
const searchesUsed = () =>
  usedInPeriod(
    server.services.db,
    { userId: account.userId, agentIdentityId: null },
    'discovery_searches',
    periodOf(server.services.clock()),
  );

async function newCampaign(key: string) {
  const created = await api(server.url, 'POST', '/campaigns', {
    key,
    body: { name: 'failing discovery', objective_type: 'venue_dj', location: 'Brooklyn, NY' },
  });
  expect(created.status, created.text).toBe(201);
  return created.body.data.id as string;
}

describe('a failing search', () => {
  it('rate-limited upstream: 429 DISCOVERY_006 with its job id; the failed job outlives the error', async () => {
    const key = await freshKey();
    const campaignId = await newCampaign(key);
    current = failing(new DiscoveryFailure('rate_limited', 'Apify answered 429'));
    const used = await searchesUsed();
    const response = await api(server.url, 'POST', '/discovery/search', {
      key,
      body: { query: 'jazz bars', campaign_id: campaignId },
    });
    expect(response.status, response.text).toBe(429);
    expect(response.body).toEqual({
      success: false,
      error: {
        code: 'DISCOVERY_006',
        message: expect.stringContaining('rate limited'),
        requestId: response.headers.get('x-request-id'),
      },
      job_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const jobId = response.body.job_id as string;

    const job = await api(server.url, 'GET', `/discovery/jobs/${jobId}`, { key });
    expect(job.status, job.text).toBe(200);
    expect(job.body.data).toMatchObject({
      id: jobId,
      status: 'failed',
      campaign_id: campaignId,
      result_count: 0,
      results: [],
      progress: 1,
      error: { code: 'DISCOVERY_006', message: response.body.error.message },
      completed_at: expect.any(String),
    });
    const [failed] = await server.services.db
      .select()
      .from(events)
      .where(eq(events.type, 'discovery.failed'));
    expect(failed?.data).toEqual({
      id: jobId,
      campaign_id: campaignId,
      sources: ['sample'],
      error_code: 'DISCOVERY_006',
      error_message: response.body.error.message,
    });
    // The operation's own writes rolled back: no audit row, no contacts; and no quota spent.
    const audits = await server.services.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'discover_contacts'), eq(auditLog.resourceId, jobId)));
    expect(audits).toHaveLength(0);
    const members = await api(server.url, 'GET', `/campaigns/${campaignId}/contacts`, { key });
    expect(members.body.data).toHaveLength(0);
    expect(await searchesUsed()).toBe(used);

    current = createSampleSource();
    expect(
      (await api(server.url, 'POST', '/discovery/search', { key, body: { query: 'jazz bars' } })).status,
    ).toBe(200);
    expect(await searchesUsed()).toBe(used + 1);
  });

  it.each([
    ['a provider failure', new DiscoveryFailure('failed', 'actor run ended FAILED'), 'failed (failed)'],
    [
      'a search out of time',
      new DiscoveryFailure('timeout', 'the search ran out of time'),
      'ran out of time',
    ],
    ['an unavailable provider', new DiscoveryFailure('unavailable', 'Apify answered 401'), 'unavailable'],
    ['an unexpected error', new Error('socket hang up'), 'answered unexpectedly'],
  ])('%s: 500 DISCOVERY_001 and a failed job', async (_, error, mention) => {
    current = failing(error);
    const key = await freshKey();
    const response = await api(server.url, 'POST', '/discovery/search', {
      key,
      body: { keywords: ['cafe'] },
    });
    expect([response.status, response.body.error.code]).toEqual([500, 'DISCOVERY_001']);
    expect(response.body.error.message).toContain(mention);
    const job = await api(server.url, 'GET', `/discovery/jobs/${response.body.job_id}`, { key });
    expect(job.body.data).toMatchObject({ status: 'failed', error: { code: 'DISCOVERY_001' } });
  });

  it('search_campaign records its failed job too', async () => {
    const key = await freshKey();
    const campaignId = await newCampaign(key);
    current = failing(new DiscoveryFailure('rate_limited'));
    const response = await api(server.url, 'POST', '/discovery/search-campaign', {
      key,
      body: { campaign_id: campaignId },
    });
    expect([response.status, response.body.error.code]).toEqual([429, 'DISCOVERY_006']);
    const jobs = await api(server.url, 'GET', `/discovery/jobs?campaign_id=${campaignId}`, { key });
    expect(jobs.body.data).toEqual([
      expect.objectContaining({ id: response.body.job_id, status: 'failed', campaign_id: campaignId }),
    ]);
  });
});

describe('the Apify adapter through the API', () => {
  const apifySource = () =>
    combineSources([
      createSampleSource(),
      createApifySource({
        token: 'apify_test',
        baseUrl: apify.url,
        maxRetries: 1,
        minDelayBetweenRetriesMillis: 10,
      }),
    ]);

  it('a 429 still there after the client’s retries answers 429 DISCOVERY_006; a 401, 500 DISCOVERY_001', async () => {
    current = apifySource();
    const key = await freshKey();
    apify.actors.set(APIFY_ACTORS.google_maps, { kind: 'error', status: 429 });
    const limited = await api(server.url, 'POST', '/discovery/search', {
      key,
      body: { venue_types: ['bar'], location: 'Brooklyn, NY', sources: ['google_maps'] },
    });
    expect([limited.status, limited.body.error.code]).toEqual([429, 'DISCOVERY_006']);
    expect(apify.requests.filter((r) => r.method === 'POST')).toHaveLength(2);

    apify.actors.set(APIFY_ACTORS.google_maps, { kind: 'error', status: 401, type: 'token-not-valid' });
    const refused = await api(server.url, 'POST', '/discovery/search', {
      key,
      body: { venue_types: ['bar'], sources: ['google_maps'] },
    });
    expect([refused.status, refused.body.error.code]).toEqual([500, 'DISCOVERY_001']);
    expect(refused.body.error.message).toContain('unavailable');
  });

  it('with APIFY_TOKEN and APIFY_BASE_URL the server searches the three actors by default', async () => {
    const configured = await startTestServer({ APIFY_TOKEN: 'apify_env_token', APIFY_BASE_URL: apify.url });
    try {
      apify.actors.set(APIFY_ACTORS.google_maps, {
        kind: 'items',
        items: [
          {
            title: 'The Blue Room',
            placeId: 'p1',
            website: 'https://blueroom.example.com',
            emails: ['hello@blueroom.example.com'],
          },
        ],
      });
      apify.actors.set(APIFY_ACTORS.instagram, {
        kind: 'items',
        items: [{ id: 'i1', username: 'maya.spins', fullName: 'Maya Okafor' }],
      });
      apify.actors.set(APIFY_ACTORS.twitter, {
        kind: 'items',
        items: [{ id: 't1', userName: 'BlueRoomBK', name: 'Blue Room', email: 'hello@blueroom.example.com' }],
      });
      const sources = await api(configured.url, 'GET', '/discovery/sources', { key: configured.adminKey });
      expect(sources.body.data.every((s: { available: boolean }) => s.available)).toBe(true);
      const response = await api(configured.url, 'POST', '/discovery/search', {
        key: configured.adminKey,
        body: { keywords: ['cocktail bar'], location: 'Brooklyn, NY', limit: 10 },
      });
      expect(response.status, response.text).toBe(200);
      expect(response.body.data.sources).toEqual(['google_maps', 'instagram', 'twitter']);
      // The X profile with the place's email is folded into the place.
      expect(
        response.body.data.contacts.map((c: { source: string; external_id: string }) => [
          c.source,
          c.external_id,
        ]),
      ).toEqual([
        ['google_maps', 'p1'],
        ['instagram', 'i1'],
      ]);
      expect(response.body.data.contacts[0]).toMatchObject({
        company: 'The Blue Room',
        x_handle: 'BlueRoomBK',
      });
      const starts = apify.requests.filter((r) => r.method === 'POST');
      expect(starts).toHaveLength(3);
      for (const request of apify.requests)
        expect(request.headers.authorization).toBe('Bearer apify_env_token');
    } finally {
      await configured.close();
    }
  });
});
