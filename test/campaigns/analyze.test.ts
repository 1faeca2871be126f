/**
 * campaigns.analyze over HTTP: the analysis is stored on the campaign and shown by campaigns.get, with an
 * audit row; the offline analyzer answers the same for the same campaign and otherwise for a changed one;
 * only `generate` keys reach it, only for their own campaigns; a failing AI provider stores nothing; and the
 * AI generation rate limit (20 a minute) applies.
 */

import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog, campaigns } from '../../db/schema.ts';
import { aiGenerations } from '../../db/schema-messages.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { AiFailure, type AiPort } from '../../src/integrations/ai/ai-port.ts';
import { createOfflineAi, OFFLINE_MODEL } from '../../src/integrations/ai/offline-analyzer.ts';
import { agentWithKey } from '../helpers/agent-key.ts';
import { api, createKey, expectErrorEnvelope } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
let analyst: string;
let writer: string;
let stranger: string;

beforeAll(async () => {
  server = await startTestServer();
  analyst = (await createKey(server.url, server.adminKey, ['read', 'write', 'generate'])).key;
  writer = (await createKey(server.url, server.adminKey, ['read', 'write'])).key;
  stranger = (await createAccount(server.services.db, 'analyze-stranger@example.com')).key.key;
});
afterAll(() => server.close());
beforeEach(() => server.advance(61_000));

async function newCampaign(url: string, key: string, fields: Record<string, unknown> = {}) {
  const created = await api(url, 'POST', '/campaigns', {
    key,
    body: {
      name: 'April DJ outreach - Brooklyn',
      objective_type: 'venue_dj',
      location: 'Brooklyn, NY',
      radius_miles: 10,
      venue_types: ['bar', 'club', 'lounge'],
      keywords: ['live music', 'dj nights'],
      outreach_channels: ['email', 'instagram', 'twitter'],
      followup_days: [3, 7, 14],
      ...fields,
    },
  });
  expect(created.status, created.text).toBe(201);
  return created.body.data as { id: string; analysis: unknown; analyzed_at: unknown };
}

const analyze = (id: string, key = analyst, url = server.url) =>
  api(url, 'POST', `/campaigns/${id}/analyze`, { key });

async function storedOf(t: TestServer, id: string) {
  const [row] = await t.services.db
    .select({ analysis: campaigns.analysis, analyzedAt: campaigns.analyzedAt })
    .from(campaigns)
    .where(eq(campaigns.id, id));
  return row;
}

async function auditOf(t: TestServer, id: string) {
  return t.services.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, 'analyze_campaign'), eq(auditLog.resourceId, id)));
}

describe('campaigns.analyze', () => {
  it('stores the analysis on the campaign, shows it in campaigns.get and writes an audit row', async () => {
    const campaign = await newCampaign(server.url, analyst);
    expect(campaign).toMatchObject({ analysis: null, analyzed_at: null });

    const analyzed = await analyze(campaign.id);
    expect(analyzed.status, analyzed.text).toBe(200);
    const { data } = analyzed.body;
    expect(data).toEqual({
      campaign_id: campaign.id,
      analysis: expect.objectContaining({ model: OFFLINE_MODEL, summary: expect.any(String) }),
      analyzed_at: expect.any(String),
    });
    expect(data.analyzed_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(data.analysis.target_audience.map((s: { name: string }) => s.name)).toEqual([
      'bar venues',
      'club venues',
      'lounge venues',
    ]);
    expect(data.analysis.risks.map((r: { code: string }) => r.code)).toContain('instagram_window');

    const got = await api(server.url, 'GET', `/campaigns/${campaign.id}`, { key: writer });
    expect(got.body.data).toMatchObject({ analysis: data.analysis, analyzed_at: data.analyzed_at });
    const stored = await storedOf(server, campaign.id);
    expect(stored?.analysis).toEqual(data.analysis);
    expect(stored?.analyzedAt?.toISOString()).toBe(data.analyzed_at);

    const audits = await auditOf(server, campaign.id);
    expect(audits).toHaveLength(1);
    expect(audits[0]?.metadata).toEqual({ model: OFFLINE_MODEL });
    const generations = await server.services.db
      .select()
      .from(aiGenerations)
      .where(eq(aiGenerations.campaignId, campaign.id));
    expect(generations.map((g) => [g.kind, g.model])).toEqual([['campaign_analysis', OFFLINE_MODEL]]);
  });

  it('answers the same analysis for the same campaign and another once the campaign changes', async () => {
    const { id } = await newCampaign(server.url, analyst);
    const first = await analyze(id);
    server.advance(5_000);
    const second = await analyze(id);
    expect(second.status, second.text).toBe(200);
    expect(second.body.data.analysis).toEqual(first.body.data.analysis);
    expect(Date.parse(second.body.data.analyzed_at)).toBeGreaterThan(Date.parse(first.body.data.analyzed_at));

    // Another campaign with the same fields gets the same analysis: it depends on the campaign, not its id.
    const twin = await newCampaign(server.url, analyst);
    expect((await analyze(twin.id)).body.data.analysis).toEqual(first.body.data.analysis);

    const patched = await api(server.url, 'PATCH', `/campaigns/${id}`, {
      key: analyst,
      body: { keywords: ['vinyl'], location: null, outreach_channels: ['email'] },
    });
    expect(patched.status, patched.text).toBe(200);
    // The stored analysis stays until the next analysis.
    expect(patched.body.data.analysis).toEqual(first.body.data.analysis);
    const changed = await analyze(id);
    expect(changed.body.data.analysis).not.toEqual(first.body.data.analysis);
    expect(changed.body.data.analysis.suggested_keywords).toContain('vinyl');
    expect(changed.body.data.analysis.risks.map((r: { code: string }) => r.code)).toContain(
      'broad_discovery',
    );

    const profile = await api(server.url, 'POST', `/campaigns/${id}/target-profiles`, {
      key: analyst,
      body: { name: 'Record stores with DJ booths', keywords: ['crate digging'] },
    });
    expect(profile.status, profile.text).toBe(201);
    const profiled = await analyze(id);
    expect(profiled.body.data.analysis).not.toEqual(changed.body.data.analysis);
    expect(profiled.body.data.analysis.target_audience).toContainEqual(
      expect.objectContaining({ name: 'Record stores with DJ booths', source: 'target_profile' }),
    );
    expect(await auditOf(server, id)).toHaveLength(4);
  });

  it('needs the generate scope: a read/write key gets 403 APIKEY_004 and nothing is stored', async () => {
    const { id } = await newCampaign(server.url, writer);
    const refused = await analyze(id, writer);
    expect(refused.status).toBe(403);
    expectErrorEnvelope(refused, 'APIKEY_004');
    expect(refused.body.error.message).toContain('generate');
    expect(await storedOf(server, id)).toEqual({ analysis: null, analyzedAt: null });
    expect(await auditOf(server, id)).toHaveLength(0);
  });

  it("answers 404 CAMP_001 for another account's campaign, a deleted one and ids that name nothing", async () => {
    const { id } = await newCampaign(server.url, analyst);
    for (const [target, key] of [
      [id, stranger],
      ['00000000-0000-4000-8000-000000000000', analyst],
      ['not-a-uuid', analyst],
    ] as const) {
      const response = await analyze(target, key);
      expect(response.status, `${target} ${response.text}`).toBe(404);
      expectErrorEnvelope(response, 'CAMP_001');
    }
    expect(await storedOf(server, id)).toEqual({ analysis: null, analyzedAt: null });
    await api(server.url, 'DELETE', `/campaigns/${id}`, { key: analyst });
    const gone = await analyze(id);
    expect([gone.status, gone.body.error.code]).toEqual([404, 'CAMP_001']);
  });

  it("refuses an agent's key even on its own campaign: agent keys hold read and write only", async () => {
    const db = server.services.db;
    const { identityId, agentKey } = await agentWithKey(
      server,
      '0x00000000000000000000000000000000000a11a1',
      'analyze test',
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
    // The key reaches the campaign (campaigns.get), but analysis needs `generate`.
    expect((await api(server.url, 'GET', `/campaigns/${paid.id}`, { key: agentKey.key })).status).toBe(200);
    const refused = await analyze(paid.id, agentKey.key);
    expect([refused.status, refused.body.error.code]).toEqual([403, 'APIKEY_004']);
    // And no account key reaches the agent's campaign.
    expect((await analyze(paid.id, server.adminKey)).body.error.code).toBe('CAMP_001');
    expect(await storedOf(server, paid.id)).toEqual({ analysis: null, analyzedAt: null });
  });

  it('counts against the AI generation limit: the 21st analysis within a minute is 429 RATE_001', async () => {
    const { key } = await createKey(server.url, server.adminKey, ['read', 'generate']);
    const { id } = await newCampaign(server.url, analyst);
    for (let i = 0; i < 20; i++) {
      // Ten a second keeps the 20/s burst limit out of the way.
      if (i === 10) server.advance(1_001);
      const ok = await analyze(id, key);
      expect(ok.status, `analysis ${i + 1}: ${ok.text}`).toBe(200);
    }
    server.advance(1_001);
    const limited = await analyze(id, key);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      success: false,
      error: { code: 'RATE_001' },
      limit: 20,
      remaining: 0,
    });
    // The minute's window, not the burst's second.
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('20');
    // Other requests of the key are not in that class.
    expect((await api(server.url, 'GET', `/campaigns/${id}`, { key })).status).toBe(200);
    server.advance(60_000);
    expect((await analyze(id, key)).status).toBe(200);
  });
});

describe('a failing AI provider', () => {
  let failing: TestServer;
  let failure: () => Promise<never> = async () => {
    throw new AiFailure('failed');
  };
  const ai: AiPort = { ...createOfflineAi(), analyzeCampaign: () => failure() };

  beforeAll(async () => {
    failing = await startTestServer({}, { ai });
  });
  afterAll(() => failing.close());

  it.each([
    ['an AiFailure', () => new AiFailure('failed'), 500, 'AI_003'],
    ['an unexpected error', () => new Error('socket hang up'), 500, 'AI_003'],
    ['an unavailable provider', () => new AiFailure('unavailable'), 503, 'AI_001'],
    ['an upstream rate limit', () => new AiFailure('rate_limited'), 429, 'AI_004'],
    ['filtered content', () => new AiFailure('content_filtered'), 400, 'AI_005'],
  ] as const)('answers %s with its AI code and stores nothing', async (_, error, status, code) => {
    failure = async () => {
      throw error();
    };
    const { id } = await newCampaign(failing.url, failing.adminKey);
    const response = await analyze(id, failing.adminKey, failing.url);
    expect(response.status, response.text).toBe(status);
    expectErrorEnvelope(response, code);
    expect(await storedOf(failing, id)).toEqual({ analysis: null, analyzedAt: null });
    expect(await auditOf(failing, id)).toHaveLength(0);
  });

  it('refuses an answer that does not fit the analysis schema (AI_003), storing nothing', async () => {
    failing.advance(61_000);
    const malformed: AiPort = {
      ...createOfflineAi(),
      analyzeCampaign: async () => JSON.parse('{"summary": 42}'),
    };
    failing.services.ai = malformed;
    try {
      const { id } = await newCampaign(failing.url, failing.adminKey);
      const response = await analyze(id, failing.adminKey, failing.url);
      expect([response.status, response.body.error.code]).toEqual([500, 'AI_003']);
      expect(await storedOf(failing, id)).toEqual({ analysis: null, analyzedAt: null });
    } finally {
      failing.services.ai = ai;
    }
  });
});
