/**
 * Analytics against a hand-made fixture: campaigns, contacts, conversations and messages at chosen
 * times in two accounts and one agent identity, written straight into the tables. Every figure of the
 * overview, a campaign, performance, response time and contact types equals the value computed by hand
 * in the comments; another account's, the agent's and a deleted campaign's rows are never counted.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { emptyHome, runCli } from '../cli/support.ts';
import { type Owner, seeder } from '../conversations/seed.ts';
import { agentWithKey } from '../helpers/agent-key.ts';
import { type ApiResponse, api, expectErrorEnvelope } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
const ids: Record<string, string> = {};
let keyA: string;
let keyB: string;
let keyG: string;

/** 2026-03-01 (D1), 03-02 (D2), 03-03 (D3), at an hour and minute, UTC. */
const on = (day: 1 | 2 | 3, hh: number, mm = 0) => new Date(Date.UTC(2026, 2, day, hh, mm, 0, 0));

async function seedFixture(): Promise<void> {
  const seed = seeder(server.services.db);
  const a = await createAccount(server.services.db, 'analytics-a@example.com');
  const b = await createAccount(server.services.db, 'analytics-b@example.com');
  const { identityId, agentKey } = await agentWithKey(server, '0x00000000000000000000000000000000000a7a15');
  keyA = a.key.key;
  keyB = b.key.key;
  keyG = agentKey.key;
  const A: Owner = { userId: a.userId, agentIdentityId: null };
  const B: Owner = { userId: b.userId, agentIdentityId: null };
  const G: Owner = { userId: server.services.systemUserId, agentIdentityId: identityId };

  // Account A: four campaigns it can see (one per status) and a deleted one.
  const c1 = await seed.campaign(A, {
    name: 'spring',
    status: 'active',
    outreachChannels: ['email', 'instagram'],
  });
  const c2 = await seed.campaign(A, { name: 'autumn', status: 'paused' });
  await seed.campaign(A, { name: 'idea', status: 'draft' });
  const c4 = await seed.campaign(A, { name: 'gone', status: 'deleted', deletedAt: on(3, 0) });
  await seed.campaign(A, { name: 'done', status: 'completed' });
  ids.c1 = c1.id;
  ids.c2 = c2.id;
  ids.c4 = c4.id;

  const p1 = await seed.contact(A, { source: 'discovery', instagramHandle: 'p1.ig' }, [c1.id]);
  const p2 = await seed.contact(A, { source: 'import' }, [c1.id]);
  const p3 = await seed.contact(A, { source: 'import', xHandle: 'p3x', unsubscribedAt: on(3, 20) }, [c2.id]);
  const p4 = await seed.contact(A, { source: 'discovery', email: null, instagramHandle: 'p4.ig' }, [c1.id]);
  const p5 = await seed.contact(A, { source: 'api' }, [c2.id]);
  await seed.contact(A, { source: 'api', deletedAt: on(2, 0) }, [c1.id]);

  // v1: p1 by email in spring; sent D1 10:00, delivered 10:01, opened D2 08:00; replies D1 12:00, D3 10:00.
  const v1 = await seed.conversation(A, p1.id, { campaignId: c1.id, unreadCount: 1 });
  await seed.outbound(A, v1, on(1, 10), {
    status: 'delivered',
    deliveredAt: on(1, 10, 1),
    openedAt: on(2, 8),
    step: 0,
  });
  await seed.inbound(A, v1, on(1, 12));
  await seed.outbound(A, v1, on(3, 9), { step: 1 });
  await seed.inbound(A, v1, on(3, 10));
  // v2: p1 on Instagram in spring; sent D2 09:00, reply 09:30.
  const v2 = await seed.conversation(A, p1.id, { campaignId: c1.id, channel: 'instagram' });
  await seed.outbound(A, v2, on(2, 9), { step: 0 });
  await seed.inbound(A, v2, on(2, 9, 30));
  // v3: p2 by email in spring; sent D1 11:00, bounced (recorded D1 11:05); no reply.
  const v3 = await seed.conversation(A, p2.id, { campaignId: c1.id });
  await seed.outbound(A, v3, on(1, 11), { status: 'bounced', updatedAt: on(1, 11, 5), step: 0 });
  // v4: p4 on Instagram in spring; the send failed (never sent).
  const v4 = await seed.conversation(A, p4.id, { campaignId: c1.id, channel: 'instagram' });
  await seed.outbound(A, v4, null, { status: 'failed', updatedAt: on(2, 7), step: 0 });
  // v5: p3 by email in autumn; a message from p3 at D2 13:00 before ours (not a reply), ours D2 14:00
  // (delivered, no delivered_at), reply D3 14:00.
  const v5 = await seed.conversation(A, p3.id, { campaignId: c2.id, unreadCount: 2 });
  await seed.inbound(A, v5, on(2, 13));
  await seed.outbound(A, v5, on(2, 14), { status: 'delivered', step: 0 });
  await seed.inbound(A, v5, on(3, 14));
  // v6: p5 by email in autumn; bounced at the send (no sent_at), recorded D3 08:00.
  const v6 = await seed.conversation(A, p5.id, { campaignId: c2.id });
  await seed.outbound(A, v6, null, { status: 'bounced', updatedAt: on(3, 8), step: 0 });
  // v7: p5 by email outside any campaign; sent D3 12:00, reply 12:10.
  const v7 = await seed.conversation(A, p5.id);
  await seed.outbound(A, v7, on(3, 12));
  await seed.inbound(A, v7, on(3, 12, 10));
  // v8: p5 in the deleted campaign: never counted.
  const v8 = await seed.conversation(A, p5.id, { campaignId: c4.id, unreadCount: 5 });
  await seed.outbound(A, v8, on(1, 9), { status: 'delivered', deliveredAt: on(1, 9), openedAt: on(1, 9, 2) });
  await seed.inbound(A, v8, on(1, 9, 5));
  await seed.outbound(A, v8, null, { status: 'pending_approval', conversationId: null, step: 1 });
  // v9: p1 by email outside any campaign, sent 2026-02-20 (before the performance range); no reply.
  const v9 = await seed.conversation(A, p1.id);
  await seed.outbound(A, v9, new Date(Date.UTC(2026, 1, 20, 10)));
  // Drafts waiting (spring: p4, p2) and one queued (autumn: p5), in no conversation yet.
  await seed.outbound(A, v4, null, { status: 'pending_approval', conversationId: null, step: 1 });
  await seed.outbound(A, v3, null, { status: 'pending_approval', conversationId: null, step: 1 });
  await seed.outbound(A, v6, null, { status: 'queued', conversationId: null, step: 1 });

  // Account B: one campaign, one contact, one delivered message answered, four unread, one draft.
  const cb = await seed.campaign(B, { status: 'active' });
  ids.cb = cb.id;
  const q1 = await seed.contact(B, { source: 'import' }, [cb.id]);
  const w1 = await seed.conversation(B, q1.id, { campaignId: cb.id, unreadCount: 4 });
  await seed.outbound(B, w1, on(1, 10), { status: 'delivered', deliveredAt: on(1, 10), step: 0 });
  await seed.inbound(B, w1, on(1, 10, 30));
  await seed.outbound(B, w1, null, { status: 'pending_approval', conversationId: null, step: 1 });

  // Agent G: one campaign, a contact on X only, a DM sent D2 10:00 answered at 11:00.
  const cg = await seed.campaign(G, { status: 'active', outreachChannels: ['twitter'] });
  ids.cg = cg.id;
  const g1 = await seed.contact(G, { source: 'discovery', email: null, xHandle: 'g1x' }, [cg.id]);
  const u1 = await seed.conversation(G, g1.id, { campaignId: cg.id, channel: 'twitter' });
  await seed.outbound(G, u1, on(2, 10), { step: 0 });
  await seed.inbound(G, u1, on(2, 11));
}

beforeAll(async () => {
  server = await startTestServer();
  await seedFixture();
});
afterAll(() => server.close());
beforeEach(() => server.advance(61_000));

async function data(key: string, path: string) {
  const response = await api(server.url, 'GET', path, { key });
  expect(response.status, response.text).toBe(200);
  return response.body.data;
}

const ZERO = { sent: 0, delivered: 0, opened: 0, bounced: 0, contacts_sent: 0, replied: 0, reply_rate: 0 };
const NO_TIME = { replied_conversations: 0, average_seconds: null, median_seconds: null };

describe('analytics.overview', () => {
  it('equals the fixture for account A', async () => {
    expect(await data(keyA, '/analytics/overview')).toEqual({
      campaigns: { total: 4, draft: 1, active: 1, paused: 1, completed: 1 },
      contacts: { total: 5, unsubscribed: 1 },
      // v1-v7 and v9 (v8 is the deleted campaign's); unread v1 (1) and v5 (2).
      conversations: { total: 8, unread: 2, unread_messages: 3 },
      messages: { pending_approval: 2, scheduled: 1, failed: 1 },
      // sent: v1 ×2, v2, v3, v5, v7, v9; delivered: v1, v5; bounced: v3, v6; contacts sent: p1 p2 p3 p5;
      // replied: p1 (v1, v2), p3 (v5, after ours), p5 (v7).
      engagement: {
        sent: 7,
        delivered: 2,
        opened: 1,
        bounced: 2,
        contacts_sent: 4,
        replied: 3,
        reply_rate: 0.75,
      },
    });
  });

  it('counts only its own rows for account B and for the agent', async () => {
    expect(await data(keyB, '/analytics/overview')).toEqual({
      campaigns: { total: 1, draft: 0, active: 1, paused: 0, completed: 0 },
      contacts: { total: 1, unsubscribed: 0 },
      conversations: { total: 1, unread: 1, unread_messages: 4 },
      messages: { pending_approval: 1, scheduled: 0, failed: 0 },
      engagement: {
        sent: 1,
        delivered: 1,
        opened: 0,
        bounced: 0,
        contacts_sent: 1,
        replied: 1,
        reply_rate: 1,
      },
    });
    expect(await data(keyG, '/analytics/overview')).toEqual({
      campaigns: { total: 1, draft: 0, active: 1, paused: 0, completed: 0 },
      contacts: { total: 1, unsubscribed: 0 },
      conversations: { total: 1, unread: 0, unread_messages: 0 },
      messages: { pending_approval: 0, scheduled: 0, failed: 0 },
      engagement: { ...ZERO, sent: 1, contacts_sent: 1, replied: 1, reply_rate: 1 },
    });
  });
});

describe('analytics.campaign', () => {
  it('equals the fixture for spring', async () => {
    expect(await data(keyA, `/analytics/campaigns/${ids.c1}`)).toEqual({
      campaign: { id: ids.c1, name: 'spring', status: 'active' },
      contacts: 3,
      pending_approval: 2,
      // sent: v1 ×2, v2, v3; contacts sent p1 p2; replied p1.
      totals: { sent: 4, delivered: 1, opened: 1, bounced: 1, contacts_sent: 2, replied: 1, reply_rate: 0.5 },
      by_channel: {
        email: {
          sent: 3,
          delivered: 1,
          opened: 1,
          bounced: 1,
          contacts_sent: 2,
          replied: 1,
          reply_rate: 0.5,
        },
        instagram: { ...ZERO, sent: 1, contacts_sent: 1, replied: 1, reply_rate: 1 },
        twitter: ZERO,
      },
      // v1: 2 h, v2: 30 min.
      response_time: { replied_conversations: 2, average_seconds: 4500, median_seconds: 4500 },
    });
  });

  it('equals the fixture for autumn, where a message before ours is no reply', async () => {
    const autumn = await data(keyA, `/analytics/campaigns/${ids.c2}`);
    expect(autumn.totals).toEqual({
      sent: 1,
      delivered: 1,
      opened: 0,
      bounced: 1,
      contacts_sent: 1,
      replied: 1,
      reply_rate: 1,
    });
    expect(autumn.contacts).toBe(2);
    expect(autumn.pending_approval).toBe(0);
    expect(autumn.response_time).toEqual({
      replied_conversations: 1,
      average_seconds: 86400,
      median_seconds: 86400,
    });
  });

  it('is 404 CAMP_001 for another account’s, the agent’s and a deleted campaign', async () => {
    for (const id of [ids.cb, ids.cg, ids.c4, 'not-a-uuid']) {
      const response = await api(server.url, 'GET', `/analytics/campaigns/${id}`, { key: keyA });
      expect(response.status).toBe(404);
      expectErrorEnvelope(response, 'CAMP_001');
    }
    expect((await data(keyB, `/analytics/campaigns/${ids.cb}`)).totals.sent).toBe(1);
  });
});

describe('analytics.performance', () => {
  it('buckets each day of the range (UTC) for account A', async () => {
    expect(await data(keyA, '/analytics/performance?from=2026-03-01&to=2026-03-03')).toEqual({
      from: '2026-03-01',
      to: '2026-03-03',
      campaign_id: null,
      days: [
        // sent v1 v3; delivered v1; replied p1 (first reply); bounced v3.
        { date: '2026-03-01', sent: 2, delivered: 1, opened: 0, replied: 1, bounced: 1 },
        // sent v2 v5; delivered v5 (on its send day); opened v1.
        { date: '2026-03-02', sent: 2, delivered: 1, opened: 1, replied: 0, bounced: 0 },
        // sent v1 follow-up, v7; replied p3, p5; bounced v6.
        { date: '2026-03-03', sent: 2, delivered: 0, opened: 0, replied: 2, bounced: 1 },
      ],
      totals: { sent: 6, delivered: 2, opened: 1, replied: 3, bounced: 2 },
    });
  });

  it('keeps one campaign, lists empty days, and counts only the caller’s rows', async () => {
    const spring = await data(
      keyA,
      `/analytics/performance?from=2026-02-28&to=2026-03-03&campaign_id=${ids.c1}`,
    );
    expect(spring.campaign_id).toBe(ids.c1);
    expect(spring.days).toEqual([
      { date: '2026-02-28', sent: 0, delivered: 0, opened: 0, replied: 0, bounced: 0 },
      { date: '2026-03-01', sent: 2, delivered: 1, opened: 0, replied: 1, bounced: 1 },
      { date: '2026-03-02', sent: 1, delivered: 0, opened: 1, replied: 0, bounced: 0 },
      { date: '2026-03-03', sent: 1, delivered: 0, opened: 0, replied: 0, bounced: 0 },
    ]);
    expect(spring.totals).toEqual({ sent: 4, delivered: 1, opened: 1, replied: 1, bounced: 1 });

    const agent = await data(keyG, '/analytics/performance?from=2026-03-01&to=2026-03-03');
    expect(agent.totals).toEqual({ sent: 1, delivered: 0, opened: 0, replied: 1, bounced: 0 });
    expect(agent.days[1]).toEqual({
      date: '2026-03-02',
      sent: 1,
      delivered: 0,
      opened: 0,
      replied: 1,
      bounced: 0,
    });
    const february = await data(keyA, '/analytics/performance?from=2026-02-20&to=2026-02-20');
    expect(february.totals).toEqual({ sent: 1, delivered: 0, opened: 0, replied: 0, bounced: 0 });
  });

  it('defaults to the 30 days ending today; refuses an inverted or too long range and bad dates', async () => {
    const before = new Date().toISOString().slice(0, 10);
    const recent = await data(keyA, '/analytics/performance');
    const after = new Date(Date.now() + 3_600_000).toISOString().slice(0, 10);
    expect(recent.days).toHaveLength(30);
    expect([before, after]).toContain(recent.to);
    expect(recent.days[29].date).toBe(recent.to);
    expect(recent.days[0].date).toBe(recent.from);

    const year = await data(keyA, '/analytics/performance?from=2025-03-03&to=2026-03-03');
    expect(year.days).toHaveLength(366);
    expect(year.totals).toEqual({ sent: 7, delivered: 2, opened: 1, replied: 3, bounced: 2 });

    for (const query of [
      'from=2026-03-03&to=2026-03-01',
      'from=2025-03-02&to=2026-03-03',
      'from=2026-3-1',
      'to=tomorrow',
    ]) {
      const response = await api(server.url, 'GET', `/analytics/performance?${query}`, { key: keyA });
      expect(response.status, query).toBe(422);
      expectErrorEnvelope(response, 'SERVER_005');
    }
    const foreign = await api(server.url, 'GET', `/analytics/performance?campaign_id=${ids.cb}`, {
      key: keyA,
    });
    expect(foreign.status).toBe(404);
    expectErrorEnvelope(foreign, 'CAMP_001');
  });
});

describe('analytics.response_time', () => {
  it('averages and takes the median of the time to the first reply, per channel', async () => {
    // v7 600 s, v2 1800 s, v1 7200 s, v5 86400 s (from ours, not from p3's earlier message).
    expect(await data(keyA, '/analytics/response-time')).toEqual({
      campaign_id: null,
      replied_conversations: 4,
      average_seconds: 24000,
      median_seconds: 4500,
      by_channel: {
        email: { replied_conversations: 3, average_seconds: 31400, median_seconds: 7200 },
        instagram: { replied_conversations: 1, average_seconds: 1800, median_seconds: 1800 },
        twitter: NO_TIME,
      },
    });
    const spring = await data(keyA, `/analytics/response-time?campaign_id=${ids.c1}`);
    expect(spring).toMatchObject({ campaign_id: ids.c1, replied_conversations: 2, average_seconds: 4500 });
    expect(await data(keyB, '/analytics/response-time')).toMatchObject({
      replied_conversations: 1,
      average_seconds: 1800,
      median_seconds: 1800,
    });
    const agent = await data(keyG, '/analytics/response-time');
    expect(agent.by_channel).toEqual({
      email: NO_TIME,
      instagram: NO_TIME,
      twitter: { replied_conversations: 1, average_seconds: 3600, median_seconds: 3600 },
    });
  });
});

describe('analytics.contact_types', () => {
  it('distributes account A’s contacts by source and reachable channel', async () => {
    expect(await data(keyA, '/analytics/contact-types')).toEqual({
      campaign_id: null,
      total: 5,
      by_source: [
        { source: 'discovery', count: 2, share: 0.4 },
        { source: 'import', count: 2, share: 0.4 },
        { source: 'api', count: 1, share: 0.2 },
      ],
      by_channel: {
        email: { count: 4, share: 0.8 },
        instagram: { count: 2, share: 0.4 },
        twitter: { count: 1, share: 0.2 },
      },
      multi_channel: { count: 2, share: 0.4 },
      unsubscribed: { count: 1, share: 0.2 },
    });
  });

  it('keeps one campaign’s contacts, and each caller’s own', async () => {
    expect(await data(keyA, `/analytics/contact-types?campaign_id=${ids.c1}`)).toEqual({
      campaign_id: ids.c1,
      total: 3,
      by_source: [
        { source: 'discovery', count: 2, share: 0.6667 },
        { source: 'import', count: 1, share: 0.3333 },
      ],
      by_channel: {
        email: { count: 2, share: 0.6667 },
        instagram: { count: 2, share: 0.6667 },
        twitter: { count: 0, share: 0 },
      },
      multi_channel: { count: 1, share: 0.3333 },
      unsubscribed: { count: 0, share: 0 },
    });
    const agent = await data(keyG, '/analytics/contact-types');
    expect(agent.total).toBe(1);
    expect(agent.by_source).toEqual([{ source: 'discovery', count: 1, share: 1 }]);
    expect(agent.by_channel.twitter).toEqual({ count: 1, share: 1 });
    const b: ApiResponse = await api(server.url, 'GET', '/analytics/contact-types', { key: keyB });
    expect(b.body.data.total).toBe(1);
  });
});

describe('CLI', () => {
  it('`iris analytics summary` answers the overview', async () => {
    const env = { IRIS_API_URL: server.url, IRIS_API_KEY: keyA, HOME: emptyHome() };
    const summary = await runCli(['analytics', 'summary'], env);
    expect(summary.code, summary.stderr).toBe(0);
    expect(JSON.parse(summary.stdout)).toEqual(await data(keyA, '/analytics/overview'));
  });
});

describe('the engagement totals kept by the database', () => {
  it('follow message changes and a campaign deleted and restored, equal to a direct count each time', async () => {
    const listed = await data(keyB, '/campaigns');
    const campaignId = listed[0].id as string;
    const db = server.services.db;
    const original = (await data(keyB, '/analytics/overview')).engagement;
    // B's one sent message bounces: sent stays (it went out), bounced and the rate follow.
    await db.execute(
      sql`update messages set status = 'bounced' where campaign_id = ${campaignId} and direction = 'outbound' and sent_at is not null`,
    );
    expect((await data(keyB, '/analytics/overview')).engagement).toMatchObject({ bounced: 1, delivered: 1 });
    await db.execute(
      sql`update messages set status = 'delivered' where campaign_id = ${campaignId} and status = 'bounced'`,
    );
    expect((await data(keyB, '/analytics/overview')).engagement).toEqual(original);
    // Deleted, the campaign's messages count no more; restored, they count again.
    await db.update(campaigns).set({ deletedAt: new Date() }).where(eq(campaigns.id, campaignId));
    expect((await data(keyB, '/analytics/overview')).engagement).toEqual(ZERO);
    await db.update(campaigns).set({ deletedAt: null }).where(eq(campaigns.id, campaignId));
    expect((await data(keyB, '/analytics/overview')).engagement).toEqual(original);
  });
});
