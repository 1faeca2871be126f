/**
 * ai.generate, ai.generate_campaign, ai.analyze and ai.usage over HTTP on the offline AI: answers of the
 * documented shape with an audit row and one ai_generations row each; 422 for bad input; only `generate`
 * keys may generate, only with their own contacts; ai.usage counts the caller's generations per type in the
 * billing period; an answer that leaves a placeholder the contact lacks is refused; and the AI generation
 * rate class (20 a minute) applies.
 */

import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.ts';
import { aiGenerations } from '../../db/schema-messages.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import type { AiPort } from '../../src/integrations/ai/ai-port.ts';
import { createOfflineAi } from '../../src/integrations/ai/offline-analyzer.ts';
import { OFFLINE_GENERATOR_MODEL } from '../../src/integrations/ai/offline-generator.ts';
import { OFFLINE_REPLY_MODEL } from '../../src/integrations/ai/offline-reply-analyzer.ts';
import { agentWithKey } from '../helpers/agent-key.ts';
import { api, createKey, expectErrorEnvelope } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
let generator: string;
let writer: string;
let contactId: string;

const BRIEF = 'Offer our DJ set for Friday nights: two hours of soul and disco, and the first night is free.';

beforeAll(async () => {
  server = await startTestServer();
  generator = (await createKey(server.url, server.adminKey, ['read', 'write', 'generate'])).key;
  writer = (await createKey(server.url, server.adminKey, ['read', 'write'])).key;
  const contact = await api(server.url, 'POST', '/contacts', {
    key: writer,
    body: { email: 'ana@blueroom.example', first_name: 'Ana', company: 'Blue Room' },
  });
  expect(contact.status, contact.text).toBe(201);
  contactId = contact.body.data.id;
});
afterAll(() => server.close());
beforeEach(() => server.advance(61_000));

const post = (path: string, body: unknown, key = generator) => api(server.url, 'POST', path, { key, body });

async function generationsOf(userId: string) {
  return server.services.db.select().from(aiGenerations).where(eq(aiGenerations.userId, userId));
}

async function auditRows(action: string, resourceId: string) {
  return server.services.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.resourceId, resourceId)));
}

describe('ai.generate', () => {
  it('writes a message for one of the account’s contacts, keeping its variables, with an audit and a generation row', async () => {
    const before = await generationsOf(server.ownerId);
    const response = await post('/ai/generate', { contact_id: contactId, brief: BRIEF, channel: 'email' });
    expect(response.status, response.text).toBe(200);
    const { data } = response.body;
    expect(data).toEqual({
      subject: expect.stringContaining('{{company}}'),
      body: expect.stringMatching(/^Hi \{\{first_name\}\},/),
      channel: 'email',
      contact_id: contactId,
      variables: ['company', 'first_name'],
      model: OFFLINE_GENERATOR_MODEL,
    });
    expect(data.body).toContain('the first night is free');

    const after = await generationsOf(server.ownerId);
    expect(after).toHaveLength(before.length + 1);
    const row = after.find((g) => !before.some((b) => b.id === g.id));
    expect(row).toMatchObject({ kind: 'generate', model: OFFLINE_GENERATOR_MODEL, agentIdentityId: null });
    const audits = await auditRows('generate_ai_content', row?.id ?? '');
    expect(audits).toHaveLength(1);
    expect(audits[0]?.metadata).toEqual({
      model: OFFLINE_GENERATOR_MODEL,
      channel: 'email',
      contact_id: contactId,
    });

    // The same request, the same message.
    const again = await post('/ai/generate', { contact_id: contactId, brief: BRIEF, channel: 'email' });
    expect(again.body.data).toEqual(data);
  });

  it('writes for an inline contact, or for no contact at all, using only the values given', async () => {
    const inline = await post('/ai/generate', {
      contact: { first_name: 'Sam', attributes: { venue_name: 'The Loft' } },
      brief: 'A night at {{venue_name}} with our DJ, for {{company}}',
      channel: 'instagram',
      tone: 'casual',
    });
    expect(inline.status, inline.text).toBe(200);
    expect(inline.body.data).toMatchObject({ subject: null, channel: 'instagram', contact_id: null });
    expect(inline.body.data.body).toMatch(/^Hey \{\{first_name\}\}!/);
    // venue_name is given, company is not: it becomes plain words.
    expect(inline.body.data.body).toContain('{{venue_name}}');
    expect(inline.body.data.body).not.toContain('{{company}}');
    expect(inline.body.data.variables.sort()).toEqual(['first_name', 'venue_name']);

    const nobody = await post('/ai/generate', { brief: BRIEF, channel: 'twitter' });
    expect(nobody.status, nobody.text).toBe(200);
    expect(nobody.body.data).toMatchObject({ subject: null, contact_id: null, variables: [] });
    expect(nobody.body.data.body).not.toMatch(/\{\{|\}\}/);
  });

  it("answers 404 CONTACT_001 for another account's contact, a deleted one and ids that name nothing", async () => {
    const stranger = await createAccount(server.services.db, 'ai-stranger@example.com');
    const theirs = await api(server.url, 'POST', '/contacts', {
      key: stranger.key.key,
      body: { email: 'theirs@example.com', first_name: 'Theo' },
    });
    const deleted = await api(server.url, 'POST', '/contacts', {
      key: writer,
      body: { email: 'gone@example.com' },
    });
    await api(server.url, 'DELETE', `/contacts/${deleted.body.data.id}`, { key: writer });
    const before = await generationsOf(server.ownerId);
    for (const id of [
      theirs.body.data.id,
      deleted.body.data.id,
      '00000000-0000-4000-8000-000000000000',
      'nope',
    ]) {
      const response = await post('/ai/generate', { contact_id: id, brief: BRIEF, channel: 'email' });
      expect(response.status, `${id} ${response.text}`).toBe(404);
      expectErrorEnvelope(response, 'CONTACT_001');
    }
    // The stranger reaches its own contact.
    const own = await post(
      '/ai/generate',
      { contact_id: theirs.body.data.id, brief: BRIEF, channel: 'email' },
      stranger.key.key,
    );
    expect(own.status, own.text).toBe(200);
    expect(await generationsOf(server.ownerId)).toHaveLength(before.length);
  });
});

describe('ai.generate_campaign', () => {
  it('writes a sequence per channel with the default follow-ups, and templates with contact fields', async () => {
    const response = await post('/ai/generate-campaign', {
      brief: 'Small-batch cold brew for cafés in Brooklyn. We send a free tasting kit.',
      channels: ['email', 'twitter'],
      objective_type: 'product_promotion',
    });
    expect(response.status, response.text).toBe(200);
    const { data } = response.body;
    expect(data.model).toBe(OFFLINE_GENERATOR_MODEL);
    expect(
      data.sequence.map((s: { step: number; day: number; channel: string }) => [s.step, s.day, s.channel]),
    ).toEqual([
      [0, 0, 'email'],
      [0, 0, 'twitter'],
      [1, 3, 'email'],
      [1, 3, 'twitter'],
      [2, 7, 'email'],
      [2, 7, 'twitter'],
    ]);
    expect(data.sequence[1].subject).toBeNull();
    expect(data.templates.length).toBeGreaterThan(0);
    expect(data.variables.sort()).toEqual(['company', 'first_name']);

    const [row] = await server.services.db
      .select()
      .from(aiGenerations)
      .where(eq(aiGenerations.kind, 'generate_campaign'));
    expect(row).toMatchObject({ userId: server.ownerId, model: OFFLINE_GENERATOR_MODEL });
    const audits = await auditRows('generate_campaign_content', row?.id ?? '');
    expect(audits[0]?.metadata).toEqual({
      model: OFFLINE_GENERATOR_MODEL,
      channels: ['email', 'twitter'],
      steps: 6,
    });

    const custom = await post('/ai/generate-campaign', {
      brief: 'x',
      channels: ['instagram'],
      followup_days: [5],
    });
    expect(custom.body.data.sequence.map((s: { day: number }) => s.day)).toEqual([0, 5]);
  });
});

describe('ai.analyze', () => {
  it('reads an inbound message: intent, sentiment, key points and a reply, with an audit and a generation row', async () => {
    const response = await post('/ai/analyze', {
      text: 'Sounds great, tell me more!\nCould you do the 14th?',
      context: 'our offer of a DJ set for Friday nights',
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.data).toEqual({
      intent: 'interested',
      sentiment: 'positive',
      key_points: ['Sounds great, tell me more!', 'Could you do the 14th?'],
      suggested_reply: expect.any(String),
      model: OFFLINE_REPLY_MODEL,
    });
    const [row] = await server.services.db
      .select()
      .from(aiGenerations)
      .where(eq(aiGenerations.kind, 'analyze'));
    expect(row?.model).toBe(OFFLINE_REPLY_MODEL);
    expect((await auditRows('analyze_ai', row?.id ?? ''))[0]?.metadata).toEqual({
      model: OFFLINE_REPLY_MODEL,
      intent: 'interested',
    });
  });
});

describe('input and scope', () => {
  it.each([
    ['/ai/generate', { channel: 'email' }],
    ['/ai/generate', { brief: '', channel: 'email' }],
    ['/ai/generate', { brief: 'x'.repeat(4001), channel: 'email' }],
    ['/ai/generate', { brief: 'x', channel: 'fax' }],
    ['/ai/generate', { brief: 'x', channel: 'email', tone: 'angry' }],
    ['/ai/generate', { brief: 'x', channel: 'email', contact_id: 'a', contact: { first_name: 'A' } }],
    ['/ai/generate', { brief: 'x', channel: 'email', contact: { nickname: 'A' } }],
    ['/ai/generate', { brief: 'x', channel: 'email', extra: true }],
    ['/ai/generate-campaign', { brief: 'x' }],
    ['/ai/generate-campaign', { brief: 'x', channels: [] }],
    ['/ai/generate-campaign', { brief: 'x', channels: ['email', 'email'] }],
    ['/ai/generate-campaign', { brief: 'x', channels: ['email'], followup_days: [7, 3] }],
    ['/ai/generate-campaign', { brief: 'x', channels: ['email'], objective_type: 'Big Launch' }],
    ['/ai/analyze', {}],
    ['/ai/analyze', { text: '   ' }],
    ['/ai/analyze', { text: 'x'.repeat(20_001) }],
    ['/ai/analyze', { text: 'x', context: 'y'.repeat(4001) }],
  ])('%s refuses %j with 422 SERVER_005 and records nothing', async (path, body) => {
    const before = await generationsOf(server.ownerId);
    const response = await post(path, body);
    expect(response.status, response.text).toBe(422);
    expectErrorEnvelope(response, 'SERVER_005');
    expect(await generationsOf(server.ownerId)).toHaveLength(before.length);
  });

  it.each([
    ['/ai/generate', { brief: 'x', channel: 'email' }],
    ['/ai/generate-campaign', { brief: 'x', channels: ['email'] }],
    ['/ai/analyze', { text: 'hello' }],
  ])('%s needs the generate scope: 403 APIKEY_004 for a read/write key', async (path, body) => {
    const response = await post(path, body, writer);
    expect(response.status).toBe(403);
    expectErrorEnvelope(response, 'APIKEY_004');
    expect(response.body.error.message).toContain('generate');
  });
});

describe('ai.usage', () => {
  it("counts the caller's generations per type in the billing period, nobody else's", async () => {
    const account = await createAccount(server.services.db, 'ai-usage@example.com');
    const key = account.key.key;
    const empty = await api(server.url, 'GET', '/ai/usage', { key });
    expect(empty.status, empty.text).toBe(200);
    const now = server.services.clock();
    expect(empty.body.data).toEqual({
      period_start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
      period_end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
      total: 0,
      by_generation_type: {
        generate: 0,
        generate_campaign: 0,
        analyze: 0,
        campaign_analysis: 0,
        draft: 0,
        revision: 0,
      },
    });

    for (let i = 0; i < 2; i++)
      expect((await post('/ai/generate', { brief: `b${i}`, channel: 'email' }, key)).status).toBe(200);
    expect((await post('/ai/generate-campaign', { brief: 'c', channels: ['email'] }, key)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await post('/ai/analyze', { text: `t${i}` }, key)).status).toBe(200);
    // A refused request records nothing.
    expect(
      (await post('/ai/generate', { contact_id: contactId, brief: 'x', channel: 'email' }, key)).status,
    ).toBe(404);

    const read = await createKey(server.url, key, ['read']);
    const usage = await api(server.url, 'GET', '/ai/usage', { key: read.key });
    expect(usage.body.data).toMatchObject({
      total: 6,
      by_generation_type: {
        generate: 2,
        generate_campaign: 1,
        analyze: 3,
        campaign_analysis: 0,
        draft: 0,
        revision: 0,
      },
    });

    // An agent identity counts its own generations only (here, one made for its campaign's drafts).
    const db = server.services.db;
    const { identityId, agentKey } = await agentWithKey(
      server,
      '0x00000000000000000000000000000000000a1a1a',
      'ai usage test',
    );
    await db.insert(aiGenerations).values({
      userId: server.services.systemUserId,
      agentIdentityId: identityId,
      kind: 'draft',
      model: OFFLINE_GENERATOR_MODEL,
      createdAt: server.services.clock(),
    });
    const agentUsage = await api(server.url, 'GET', '/ai/usage', { key: agentKey.key });
    expect(agentUsage.status, agentUsage.text).toBe(200);
    expect(agentUsage.body.data).toMatchObject({ total: 1, by_generation_type: { draft: 1, generate: 0 } });
  });
});

describe('answers that cannot be used', () => {
  it.each<[string, string, unknown, Partial<AiPort>, number, string]>([
    [
      'a message using a value the contact lacks',
      '/ai/generate',
      { brief: 'x', channel: 'email' },
      { generateMessage: async () => ({ subject: 'Hi', body: 'Hi {{first_name}}', model: 'm' }) },
      500,
      'AI_002',
    ],
    [
      'an email without a subject',
      '/ai/generate',
      { brief: 'x', channel: 'email' },
      { generateMessage: async () => ({ subject: null, body: 'Hi', model: 'm' }) },
      500,
      'AI_002',
    ],
    [
      'a sequence on a channel the brief does not use',
      '/ai/generate-campaign',
      { brief: 'x', channels: ['email'] },
      {
        generateCampaign: async () => ({
          sequence: [{ step: 0, day: 0, channel: 'twitter', subject: null, body: 'Hi' }],
          templates: [],
          model: 'm',
        }),
      },
      500,
      'AI_002',
    ],
    [
      'a template with a placeholder that is no contact field',
      '/ai/generate-campaign',
      { brief: 'x', channels: ['email'] },
      {
        generateCampaign: async () => ({
          sequence: [{ step: 0, day: 0, channel: 'email', subject: 'S', body: 'Hi' }],
          templates: [{ name: 't', channel: 'email', subject: 'S', body: 'Hi {{venue}}' }],
          model: 'm',
        }),
      },
      500,
      'AI_002',
    ],
    [
      'a suggested reply with a placeholder',
      '/ai/analyze',
      { text: 'hello' },
      {
        analyzeReply: async () => ({
          intent: 'other',
          sentiment: 'neutral',
          key_points: [],
          suggested_reply: 'Hi {{first_name}}',
          model: 'm',
        }),
      },
      500,
      'AI_003',
    ],
    [
      'an analysis outside the schema',
      '/ai/analyze',
      { text: 'hello' },
      { analyzeReply: async () => JSON.parse('{"intent": "thrilled"}') },
      500,
      'AI_003',
    ],
  ])('refuses %s (%s) with its AI code and records nothing', async (_, path, body, port, status, code) => {
    const offline = server.services.ai;
    server.services.ai = { ...createOfflineAi(), ...port };
    try {
      const before = await generationsOf(server.ownerId);
      const response = await post(path, body);
      expect(response.status, response.text).toBe(status);
      expectErrorEnvelope(response, code);
      expect(await generationsOf(server.ownerId)).toHaveLength(before.length);
    } finally {
      server.services.ai = offline;
    }
  });
});

describe('the AI generation rate class', () => {
  it('allows 20 generations a minute per key across the AI operations: the 21st is 429 RATE_001', async () => {
    const { key } = await createKey(server.url, server.adminKey, ['read', 'generate']);
    const requests = [
      () => post('/ai/generate', { brief: 'x', channel: 'email' }, key),
      () => post('/ai/generate-campaign', { brief: 'x', channels: ['email'] }, key),
      () => post('/ai/analyze', { text: 'hello' }, key),
    ];
    for (let i = 0; i < 20; i++) {
      // Ten a second keeps the 20/s burst limit out of the way.
      if (i === 10) server.advance(1_001);
      const ok = await (requests[i % 3] as () => ReturnType<typeof post>)();
      expect(ok.status, `request ${i + 1}: ${ok.text}`).toBe(200);
    }
    server.advance(1_001);
    const limited = await post('/ai/analyze', { text: 'hello' }, key);
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({
      success: false,
      error: { code: 'RATE_001' },
      limit: 20,
      remaining: 0,
    });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(50);
    // ai.usage is a read, outside the class.
    expect((await api(server.url, 'GET', '/ai/usage', { key })).status).toBe(200);
    server.advance(60_000);
    expect((await post('/ai/generate', { brief: 'x', channel: 'email' }, key)).status).toBe(200);
  });
});
