/**
 * The Anthropic adapter against a local server speaking the Messages API: each task is one POST
 * /v1/messages with the key, the API version, the configured model and one forced tool whose input_schema
 * is the answer's JSON Schema; the tool_use input is validated with zod and the answer's model is the one
 * the API names. Retries and failures: a 429 is retried after its retry-after and then is rate_limited,
 * 401 and 529 are unavailable, a refusal is content_filtered, a missing or malformed tool call is failed.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { aiApiError } from '../../src/integrations/ai/ai-error.ts';
import { AiFailure, type AiFailureReason, type AiPort } from '../../src/integrations/ai/ai-port.ts';
import { createAnthropicAi, DEFAULT_ANTHROPIC_MODEL } from '../../src/integrations/ai/anthropic-ai.ts';
import { CampaignAnalysis, type CampaignBrief } from '../../src/integrations/ai/campaign-analysis.ts';
import { ReplyAnalysis } from '../../src/integrations/ai/reply-analysis.ts';
import {
  ANALYSIS,
  type AnthropicServer,
  credentialOf,
  type Reply,
  startAnthropicServer,
} from './anthropic-server.ts';

const KEY = 'sk-ant-local-test-key';
let anthropic: AnthropicServer;
let ai: AiPort;

beforeAll(async () => {
  anthropic = await startAnthropicServer(KEY);
  ai = createAnthropicAi({ apiKey: KEY, baseURL: anthropic.url, model: 'claude-local-1', maxRetries: 1 });
});
afterAll(() => anthropic.close());
beforeEach(() => {
  anthropic.requests.length = 0;
});

const campaign: CampaignBrief = {
  name: 'April DJ outreach',
  objectiveType: 'venue_dj',
  location: 'Brooklyn, NY',
  radiusMiles: 10,
  venueTypes: ['bar'],
  keywords: ['dj nights'],
  maxResults: 50,
  outreachChannels: ['email'],
  followupDays: [3],
  approvalMode: 'manual',
  targetProfiles: [],
};

const draftBrief = {
  campaign: {
    name: 'April DJ outreach',
    objectiveType: 'venue_dj',
    location: null,
    keywords: [],
    venueTypes: [],
  },
  contact: { first_name: 'Ana' },
  channel: 'email' as const,
  step: 0,
  daysAfterFirst: 0,
};

/** Each port method, the tool it must force, and a valid tool input. */
const calls: readonly [string, string, (port: AiPort) => Promise<unknown>, unknown][] = [
  ['analyzeCampaign', 'record_campaign_analysis', (port) => port.analyzeCampaign(campaign), ANALYSIS],
  [
    'draftMessage',
    'record_message_draft',
    (port) => port.draftMessage(draftBrief),
    { subject: 'Hello', body: 'Hi {{first_name}}' },
  ],
  [
    'reviseMessage',
    'record_message_draft',
    (port) =>
      port.reviseMessage({ ...draftBrief, current: { subject: 'Hello', body: 'Hi' }, feedback: 'shorter' }),
    { subject: 'Hello', body: 'Hi!' },
  ],
  [
    'generateMessage',
    'record_message',
    (port) =>
      port.generateMessage({ brief: 'offer a DJ set', contact: {}, channel: 'email', tone: 'casual' }),
    { subject: 'A DJ set', body: 'Hey there, fancy a DJ set?' },
  ],
  [
    'generateCampaign',
    'record_campaign_content',
    (port) =>
      port.generateCampaign({
        brief: 'cold brew',
        channels: ['email'],
        followupDays: [3],
        objectiveType: null,
      }),
    {
      sequence: [
        { step: 0, day: 0, channel: 'email', subject: 'Cold brew', body: 'Hi there' },
        { step: 1, day: 3, channel: 'email', subject: 'Re: Cold brew', body: 'Following up' },
      ],
      templates: [],
    },
  ],
  [
    'analyzeReply',
    'record_reply_analysis',
    (port) => port.analyzeReply('Sounds great!', 'our DJ offer'),
    { intent: 'interested', sentiment: 'positive', key_points: ['likes it'], suggested_reply: 'Great!' },
  ],
];

async function failureOf(call: Promise<unknown>): Promise<AiFailure> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AiFailure);
  return error as AiFailure;
}

describe('the Anthropic adapter', () => {
  it.each(calls)(
    '%s: one POST /v1/messages forcing %s, answered from the tool call',
    async (_m, tool, call, input) => {
      anthropic.reply = () => ({ kind: 'tool', input, model: 'claude-local-1-20261201' });
      const answer = await call(ai);
      expect(answer).toEqual({ ...(input as object), model: 'claude-local-1-20261201' });

      expect(anthropic.requests).toHaveLength(1);
      const [request] = anthropic.requests;
      expect(request?.method).toBe('POST');
      expect(request?.path).toBe('/v1/messages');
      // The key goes in x-api-key or, as SDK 1.x sends it, as a bearer token: one of them, never both.
      expect(credentialOf(request?.headers ?? {})).toBe(KEY);
      expect(Boolean(request?.headers['x-api-key']) && Boolean(request?.headers.authorization)).toBe(false);
      expect(request?.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      const body = request?.body ?? {};
      expect(body).toMatchObject({
        model: 'claude-local-1',
        max_tokens: expect.any(Number),
        system: expect.stringContaining('tool'),
        messages: [{ role: 'user', content: expect.any(String) }],
        tool_choice: { type: 'tool', name: tool },
      });
      expect(body.tools).toHaveLength(1);
      const [definition] = body.tools ?? [];
      expect(definition).toMatchObject({ name: tool, description: expect.any(String) });
      const schema = definition?.input_schema;
      expect(schema?.type).toBe('object');
      expect(schema?.$schema).toBeUndefined();
      // The model is not asked to name itself: the API's answer does.
      expect(Object.keys(schema?.properties ?? {})).not.toContain('model');
      expect([...(schema?.required ?? [])].sort()).toEqual(Object.keys(schema?.properties ?? {}).sort());
    },
  );

  it('gives the tool the JSON Schema of the answer (the zod schema, without model)', async () => {
    anthropic.reply = () => ({
      kind: 'tool',
      input: { intent: 'other', sentiment: 'neutral', key_points: [], suggested_reply: 'ok' },
    });
    await ai.analyzeReply('hm', null);
    const { $schema: _dialect, ...expected } = z.toJSONSchema(ReplyAnalysis.omit({ model: true }), {
      target: 'draft-2020-12',
      io: 'input',
    });
    expect(anthropic.requests[0]?.body.tools?.[0]?.input_schema).toEqual(expected);
    expect(expected.properties).toMatchObject({
      intent: { enum: ['interested', 'not_interested', 'question', 'out_of_office', 'unsubscribe', 'other'] },
    });
    // The message carries the text and the context.
    expect(anthropic.requests[0]?.body.messages?.[0]?.content).toContain('hm');
  });

  it('asks for the default model when none is configured', async () => {
    const defaulted = createAnthropicAi({ apiKey: KEY, baseURL: anthropic.url, maxRetries: 0 });
    anthropic.reply = () => ({ kind: 'tool', input: ANALYSIS });
    const analysis = await defaulted.analyzeCampaign(campaign);
    expect(anthropic.requests[0]?.body.model).toBe(DEFAULT_ANTHROPIC_MODEL);
    expect(CampaignAnalysis.parse(analysis).model).toBe(DEFAULT_ANTHROPIC_MODEL);
  });

  it('retries a 429 after its retry-after, then fails rate_limited (AI_004)', async () => {
    anthropic.reply = () => ({
      kind: 'error',
      status: 429,
      type: 'rate_limit_error',
      message: 'slow down',
      headers: { 'retry-after': '1' },
    });
    const failure = await failureOf(ai.analyzeCampaign(campaign));
    expect(failure.reason).toBe('rate_limited');
    expect(aiApiError(failure, 'AI_003').code).toBe('AI_004');
    // maxRetries 1: the first try and one retry, a second apart as the header asked.
    expect(anthropic.requests).toHaveLength(2);
    const [first, second] = anthropic.requests;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect(second?.headers['x-stainless-retry-count']).toBe('1');
  });

  it('succeeds when a retry after a 429 gets through', async () => {
    let tries = 0;
    anthropic.reply = () =>
      ++tries === 1
        ? { kind: 'error', status: 429, type: 'rate_limit_error', headers: { 'retry-after-ms': '20' } }
        : { kind: 'tool', input: ANALYSIS };
    expect((await ai.analyzeCampaign(campaign)).summary).toBe(ANALYSIS.summary);
    expect(anthropic.requests).toHaveLength(2);
  });

  it('answers a key the API refuses (401) as unavailable (AI_001), without retrying', async () => {
    anthropic.reply = () => ({ kind: 'tool', input: ANALYSIS });
    const wrongKey = createAnthropicAi({ apiKey: 'sk-ant-wrong', baseURL: anthropic.url, maxRetries: 1 });
    const failure = await failureOf(wrongKey.analyzeCampaign(campaign));
    expect([failure.reason, aiApiError(failure, 'AI_003').code]).toEqual(['unavailable', 'AI_001']);
    expect(anthropic.requests).toHaveLength(1);
  });

  it.each([
    [401, 'authentication_error', 'unavailable', 'AI_001', 1],
    [403, 'permission_error', 'unavailable', 'AI_001', 1],
    [529, 'overloaded_error', 'unavailable', 'AI_001', 2],
    [500, 'api_error', 'failed', 'AI_002', 2],
    [400, 'invalid_request_error', 'failed', 'AI_002', 1],
  ] as const)(
    'answers %i (%s) as %s (%s) after %i request(s)',
    async (status, type, reason, code, requests) => {
      anthropic.reply = () => ({ kind: 'error', status, type, headers: { 'retry-after-ms': '10' } });
      const failure = await failureOf(
        ai.generateMessage({ brief: 'x', contact: {}, channel: 'email', tone: null }),
      );
      expect(failure.reason).toBe(reason);
      expect(aiApiError(failure, 'AI_002').code).toBe(code);
      expect(anthropic.requests).toHaveLength(requests);
    },
  );

  it('answers a content-filter error as content_filtered (AI_005)', async () => {
    anthropic.reply = () => ({
      kind: 'error',
      status: 400,
      type: 'invalid_request_error',
      message: 'Output blocked by content filtering policy',
    });
    const failure = await failureOf(ai.analyzeReply('text', null));
    expect([failure.reason, aiApiError(failure, 'AI_003').code]).toEqual(['content_filtered', 'AI_005']);
  });

  it('answers a refusal as content_filtered (AI_005)', async () => {
    anthropic.reply = () => ({ kind: 'refusal' });
    const failure = await failureOf(
      ai.generateMessage({ brief: 'x', contact: {}, channel: 'email', tone: null }),
    );
    expect([failure.reason, aiApiError(failure, 'AI_002').code]).toEqual(['content_filtered', 'AI_005']);
  });

  it.each<[string, Reply]>([
    [
      'a tool input that does not fit the schema',
      { kind: 'tool', input: { intent: 'thrilled', sentiment: 'positive' } },
    ],
    ['an answer without the tool call', { kind: 'text', text: 'I think they are interested.' }],
  ])('answers %s as failed (AI_003 for an analysis)', async (_, reply) => {
    anthropic.reply = () => reply;
    const failure = await failureOf(ai.analyzeReply('Sounds great!', null));
    const reason: AiFailureReason = failure.reason;
    expect([reason, aiApiError(failure, 'AI_003').code]).toEqual(['failed', 'AI_003']);
  });

  it('answers an API it cannot reach as unavailable (AI_001)', async () => {
    const closed = await startAnthropicServer(KEY);
    const url = closed.url;
    await closed.close();
    const unreachable = createAnthropicAi({ apiKey: KEY, baseURL: url, maxRetries: 0 });
    const failure = await failureOf(unreachable.analyzeCampaign(campaign));
    expect([failure.reason, aiApiError(failure, 'AI_003').code]).toEqual(['unavailable', 'AI_001']);
  });
});
