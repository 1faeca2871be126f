/**
 * A server started with ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL composes the Anthropic adapter: analyses
 * and generations come from the (local) Messages API with the configured model, and are recorded under
 * that model. Its failures reach clients as the AI codes: a rate limit still there after the SDK's retries
 * AI_004, a refused key AI_001, a refusal AI_005, an answer that does not fit AI_002 (generation) or
 * AI_003 (analysis); nothing is recorded for them.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aiGenerations } from '../../db/schema-messages.ts';
import { createAi } from '../../src/integrations/ai/create-ai.ts';
import { api, expectErrorEnvelope } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { ANALYSIS, type AnthropicServer, startAnthropicServer } from './anthropic-server.ts';

const KEY = 'sk-ant-compose-test-key';
const MODEL = 'claude-compose-test';
let anthropic: AnthropicServer;
let server: TestServer;

beforeAll(async () => {
  anthropic = await startAnthropicServer(KEY);
  server = await startTestServer({
    ANTHROPIC_API_KEY: KEY,
    ANTHROPIC_BASE_URL: anthropic.url,
    ANTHROPIC_MODEL: MODEL,
  });
});
afterAll(async () => {
  await server?.close();
  await anthropic?.close();
});
beforeEach(() => {
  server.advance(61_000);
  anthropic.requests.length = 0;
});

const generations = () =>
  server.services.db.select().from(aiGenerations).where(eq(aiGenerations.userId, server.ownerId));

describe('a server configured with ANTHROPIC_API_KEY', () => {
  it('answers campaigns.analyze with the Messages API’s analysis', async () => {
    const created = await api(server.url, 'POST', '/campaigns', {
      key: server.adminKey,
      body: {
        name: 'Composed',
        objective_type: 'venue_dj',
        location: 'Brooklyn, NY',
        keywords: ['dj nights'],
      },
    });
    expect(created.status, created.text).toBe(201);
    anthropic.reply = () => ({ kind: 'tool', input: ANALYSIS });

    const analyzed = await api(server.url, 'POST', `/campaigns/${created.body.data.id}/analyze`, {
      key: server.adminKey,
    });
    expect(analyzed.status, analyzed.text).toBe(200);
    expect(analyzed.body.data.analysis).toEqual({ ...ANALYSIS, model: MODEL });
    expect(anthropic.requests).toHaveLength(1);
    const body = anthropic.requests[0]?.body ?? {};
    expect(body).toMatchObject({
      model: MODEL,
      tool_choice: { type: 'tool', name: 'record_campaign_analysis' },
    });
    expect(body.messages?.[0]?.content).toContain('Composed');
  });

  it('answers ai.generate with the Messages API’s message and records it under its model', async () => {
    const before = await generations();
    anthropic.reply = () => ({
      kind: 'tool',
      input: { subject: 'A DJ set for {{company}}', body: 'Hi {{first_name}}, fancy a DJ set?' },
    });
    const response = await api(server.url, 'POST', '/ai/generate', {
      key: server.adminKey,
      body: {
        contact: { first_name: 'Ana', company: 'Blue Room' },
        brief: 'offer a DJ set',
        channel: 'email',
      },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.data).toEqual({
      subject: 'A DJ set for {{company}}',
      body: 'Hi {{first_name}}, fancy a DJ set?',
      channel: 'email',
      contact_id: null,
      variables: ['company', 'first_name'],
      model: MODEL,
    });
    expect(anthropic.requests[0]?.body.messages?.[0]?.content).toContain('offer a DJ set');
    const after = await generations();
    expect(after).toHaveLength(before.length + 1);
    expect(after.find((g) => !before.some((b) => b.id === g.id))).toMatchObject({
      kind: 'generate',
      model: MODEL,
    });
  });
});

describe('Anthropic failures over HTTP', () => {
  beforeAll(async () => {
    // The composed adapter with a single retry, so a persistent 429 fails within the test's time.
    server.services.ai = await createAi(
      { ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: anthropic.url, ANTHROPIC_MODEL: MODEL },
      { maxRetries: 1 },
    );
  });

  const generate = { path: '/ai/generate', body: { brief: 'offer a DJ set', channel: 'email' } };
  const campaign = { path: '/ai/generate-campaign', body: { brief: 'cold brew', channels: ['email'] } };
  const analyze = { path: '/ai/analyze', body: { text: 'Sounds great!' } };

  it.each([
    [
      'a 429 still there after a retry',
      generate,
      { kind: 'error', status: 429, type: 'rate_limit_error', headers: { 'retry-after': '1' } },
      429,
      'AI_004',
      2,
    ],
    ['a 401', analyze, { kind: 'error', status: 401, type: 'authentication_error' }, 503, 'AI_001', 1],
    ['a refusal', campaign, { kind: 'refusal' }, 400, 'AI_005', 1],
    [
      'a tool input that does not fit (generation)',
      generate,
      { kind: 'tool', input: { subject: 'x' } },
      500,
      'AI_002',
      1,
    ],
    [
      'a tool input that does not fit (analysis)',
      analyze,
      { kind: 'tool', input: { intent: 'thrilled' } },
      500,
      'AI_003',
      1,
    ],
  ] as const)(
    'answers %s with its AI code and records nothing',
    async (_, call, reply, status, code, tries) => {
      const before = await generations();
      anthropic.reply = () => reply;
      const response = await api(server.url, 'POST', call.path, { key: server.adminKey, body: call.body });
      expect(response.status, response.text).toBe(status);
      expectErrorEnvelope(response, code);
      expect(anthropic.requests).toHaveLength(tries);
      expect(await generations()).toHaveLength(before.length);
    },
  );
});
