/**
 * campaigns.usage: the allotment (an agent's paid campaign: 30 contacts, 240 messages; an account's:
 * from max_results, channels and follow-ups), what is used, and the count at each stage, from the
 * campaign's links and messages. Another account's campaign is 404; an agent reads its own.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { messages } from '../../db/schema-messages.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { agentWithKey } from '../helpers/agent-key.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
let stranger: string;

beforeAll(async () => {
  server = await startTestServer();
  stranger = (await createAccount(server.services.db, 'usage-stranger@example.com')).key.key;
});
afterAll(() => server.close());

const usageOf = (id: string, key = server.adminKey) =>
  api(server.url, 'GET', `/campaigns/${id}/usage`, { key });

describe('campaigns.usage', () => {
  it('counts contacts and messages at each stage against the campaign’s allotment', async () => {
    const created = await api(server.url, 'POST', '/campaigns', {
      key: server.adminKey,
      body: {
        name: 'usage',
        objective_type: 'venue_dj',
        max_results: 10,
        outreach_channels: ['email', 'instagram'],
        followup_days: [3, 7],
      },
    });
    const campaignId = created.body.data.id as string;
    const empty = await usageOf(campaignId);
    expect(empty.status).toBe(200);
    expect(empty.body.data).toEqual({
      campaign_id: campaignId,
      allotment: { contacts: 10, messages: 60 },
      used: { contacts: 0, messages: 0 },
      remaining: { contacts: 10, messages: 60 },
      stages: { discovered: 0, drafted: 0, pending_approval: 0, approved: 0, sent: 0, failed: 0, replied: 0 },
    });

    const imported = await api(server.url, 'POST', '/contacts/bulk', {
      key: server.adminKey,
      body: {
        campaign_id: campaignId,
        contacts: [{ email: 'u1@example.com' }, { email: 'u2@example.com' }, { email: 'u3@example.com' }],
      },
    });
    const [a, b, c] = imported.body.data.results.map((r: { id: string }) => r.id) as string[];
    const outbound = (contactId: string, step: number, status: string) => ({
      userId: server.ownerId,
      campaignId,
      contactId,
      channel: 'email',
      direction: 'outbound',
      step,
      status,
      body: 'hello',
    });
    await server.services.db
      .insert(messages)
      .values([
        outbound(a as string, 0, 'sent'),
        outbound(a as string, 1, 'pending_approval'),
        outbound(b as string, 0, 'delivered'),
        outbound(b as string, 1, 'approved'),
        outbound(c as string, 0, 'bounced'),
        outbound(c as string, 1, 'rejected'),
        { ...outbound(a as string, 0, 'received'), direction: 'inbound', step: null },
        { ...outbound(a as string, 0, 'received'), direction: 'inbound', step: null },
      ]);
    const usage = await usageOf(campaignId);
    expect(usage.body.data).toMatchObject({
      used: { contacts: 3, messages: 5 },
      remaining: { contacts: 7, messages: 55 },
      stages: { discovered: 3, drafted: 6, pending_approval: 1, approved: 1, sent: 2, failed: 1, replied: 1 },
    });

    const strangers = await usageOf(campaignId, stranger);
    expect(strangers.status).toBe(404);
    expect(strangers.body.error.code).toBe('CAMP_001');
    expect((await usageOf('not-a-uuid')).status).toBe(404);
  });

  it('shows an agent’s paid campaign with the fixed allotment, to its agent only', async () => {
    const db = server.services.db;
    const { identityId, agentKey } = await agentWithKey(
      server,
      '0x00000000000000000000000000000000000a11e7',
      'usage agent',
    );
    const [paid] = await db
      .insert(campaigns)
      .values({
        userId: server.services.systemUserId,
        agentIdentityId: identityId,
        name: 'paid',
        objectiveType: 'product_promotion',
        maxResults: 500,
        outreachChannels: ['email'],
        status: 'active',
        approvalMode: 'auto',
      })
      .returning();
    const usage = await usageOf(paid?.id as string, agentKey.key);
    expect(usage.status).toBe(200);
    expect(usage.body.data.allotment).toEqual({ contacts: 30, messages: 240 });
    expect((await usageOf(paid?.id as string)).status).toBe(404);
  });
});
