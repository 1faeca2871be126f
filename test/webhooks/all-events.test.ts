/**
 * Each of the 16 reference events delivered to a `*` endpoint from the code that causes it, on one
 * server with real parts around it: a campaign run on the sample discovery source (discovery.completed,
 * conversation.created through the first sends), drafts approved and rejected, mails to a local SMTP
 * server (message.sent, a 550 for message.bounced), the tracking image loaded (message.opened), a signed
 * reply (conversation.reply_received), a DM through a local Instagram API (message.delivered), a
 * discovery search that fails (discovery.failed), and the campaign and contact operations. Every
 * delivery verifies with the endpoint's secret.
 */
import { and, eq, inArray } from 'drizzle-orm';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../../db/schema-jobs.ts';
import { messages } from '../../db/schema-messages.ts';
import { EVENT_TYPES } from '../../src/domain/events/event-types.ts';
import { inboundSignature } from '../../src/domain/inbound/inbound-signature.ts';
import { DiscoveryFailure, type DiscoveryPort } from '../../src/integrations/discovery/discovery-port.ts';
import { createSampleSource } from '../../src/integrations/discovery/sample-source.ts';
import {
  IG_TOKEN,
  insertContact,
  insertConversation,
  insertInbound,
  instagramApi,
} from '../channels/fixtures.ts';
import { startUpstream, type Upstream } from '../channels/upstream.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { type SmtpSink, startSmtpSink } from '../sending/smtp-sink.ts';
import { type Receiver, referenceVerify, startReceiver } from './receiver.ts';

const SECRET = 'all-events-inbound-secret-012345';

/** The sample source, failing for the query "unreachable" (a provider that is down). */
function discoveryThatCanFail(): DiscoveryPort {
  const sample = createSampleSource();
  return {
    sources: () => sample.sources(),
    search: async (query, options) => {
      if (query.query === 'unreachable') throw new DiscoveryFailure('unavailable', 'the provider is down');
      return sample.search(query, options);
    },
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let sink: SmtpSink;
let instagram: Upstream;
let receiver: Receiver;
let server: TestServer;

beforeAll(async () => {
  sink = await startSmtpSink();
  instagram = await startUpstream(instagramApi);
  receiver = await startReceiver();
  server = await startTestServer(
    {
      SMTP_URL: sink.url,
      EMAIL_FROM: 'Iris <outreach@iris.test>',
      IRIS_PUBLIC_URL: 'https://iris.test',
      INBOUND_SECRET: SECRET,
      EMAIL_TRACK_OPENS: 'true',
      INSTAGRAM_API_BASE_URL: instagram.url,
      WEBHOOKS_ALLOW_PRIVATE: 'true',
    },
    {
      discovery: discoveryThatCanFail(),
      jobs: { settings: { pollIntervalMs: 50, backoffBaseMs: 1, backoffMaxMs: 5 } },
    },
  );
});
afterAll(async () => {
  await server?.close();
  await sink?.close();
  await instagram?.close();
  await receiver?.close();
});

describe('every event, from its cause', () => {
  it('reaches the endpoint, signed', async () => {
    const key = server.adminKey;
    const hook = await api(server.url, 'POST', '/webhooks', {
      key,
      body: { url: receiver.url, events: ['*'] },
    });
    expect(hook.status, hook.text).toBe(201);
    const secret = hook.body.data.secret as string;

    // A campaign run: discovery, drafts; one draft rejected, the rest approved and mailed.
    const created = await api(server.url, 'POST', '/campaigns', {
      key,
      body: {
        name: 'Every event',
        objective_type: 'venue_dj',
        location: 'Austin, TX',
        venue_types: ['cocktail bar'],
        max_results: 3,
        outreach_channels: ['email'],
      },
    });
    const campaignId = created.body.data.id as string;
    await api(server.url, 'POST', `/campaigns/${campaignId}/status`, { key, body: { status: 'active' } });
    // The run and its drafting jobs are done: every draft exists.
    const drafts = await until('drafts', async () => {
      const open = await server.services.db
        .select({ id: jobs.id })
        .from(jobs)
        .where(
          and(
            inArray(jobs.kind, ['campaign.run', 'campaign.draft']),
            inArray(jobs.state, ['queued', 'running']),
          ),
        );
      if (open.length > 0) return undefined;
      const answer = await api(server.url, 'GET', `/messages/pending?campaign_id=${campaignId}`, { key });
      const list = answer.body.data as { id: string; contact: { email: string } }[];
      return list.length > 0 ? list : undefined;
    });
    // One to reject, one to bounce, at least one to send.
    expect(drafts.length).toBeGreaterThanOrEqual(3);
    const [rejected, bounced, ...approved] = drafts;
    sink.bounce.add(bounced?.contact.email as string);
    await api(server.url, 'POST', `/messages/${rejected?.id}/reject`, {
      key,
      body: { reason: 'not this one' },
    });
    const decided = await api(server.url, 'POST', '/messages/bulk', {
      key,
      body: { action: 'approve', ids: [bounced?.id, ...approved.map((d) => d.id)] },
    });
    expect(decided.status, decided.text).toBe(200);
    const sentId = await until('a sent mail', async () => {
      await server.services.jobs.runDue();
      const rows = await server.services.db
        .select()
        .from(messages)
        .where(eq(messages.campaignId, campaignId));
      const sent = rows.find((m) => m.status === 'sent');
      return sent && rows.some((m) => m.status === 'bounced') ? sent : undefined;
    });

    // The mail is opened, and answered.
    expect((await fetch(`${server.url}/o/${sentId.id}.gif`)).status).toBe(200);
    const raw = await new MailComposer({
      from: 'someone@example.com',
      to: 'outreach@iris.test',
      subject: 'Re: hello',
      inReplyTo: sentId.externalId as string,
      text: 'Tell me more.',
    })
      .compile()
      .build();
    const timestamp = String(Math.floor(server.services.clock().getTime() / 1000));
    const replied = await fetch(`${server.url}/inbound/email`, {
      method: 'POST',
      headers: {
        'X-Iris-Timestamp': timestamp,
        'X-Iris-Signature': inboundSignature(SECRET, timestamp, raw),
      },
      body: raw,
    });
    expect(replied.status).toBe(200);

    // A DM the platform accepts is delivered.
    const connected = await api(server.url, 'POST', '/channels/accounts', {
      key,
      body: { channel: 'instagram', access_token: IG_TOKEN },
    });
    expect(connected.status, connected.text).toBe(201);
    const person = await insertContact(server);
    const thread = await insertConversation(server, person.id, 'instagram');
    await insertInbound(server, person.id, thread.id, 'instagram', server.services.clock());
    const dm = await api(server.url, 'POST', '/channels/send', {
      key,
      body: { conversation_id: thread.id, body: 'Hi {{first_name}}!' },
    });
    expect(dm.status, dm.text).toBe(201);

    // A search whose provider is down; and the campaign and contact operations.
    await api(server.url, 'POST', '/discovery/search', { key, body: { query: 'unreachable' } });
    await api(server.url, 'PATCH', `/campaigns/${campaignId}`, {
      key,
      body: { name: 'Every event, renamed' },
    });
    const contact = await api(server.url, 'POST', '/contacts', {
      key,
      body: { email: 'all-events@example.com' },
    });
    await api(server.url, 'PATCH', `/contacts/${contact.body.data.id}`, { key, body: { first_name: 'Al' } });
    await api(server.url, 'DELETE', `/contacts/${contact.body.data.id}`, { key });
    await api(server.url, 'DELETE', `/campaigns/${campaignId}`, { key });

    const heard = await until(
      'every event',
      async () => {
        await server.services.jobs.runDue();
        const kinds = new Set(receiver.received.map((r) => (JSON.parse(r.body) as { event: string }).event));
        return EVENT_TYPES.every((type) => kinds.has(type)) ? kinds : undefined;
      },
      45_000,
    ).catch((error: Error) => {
      const kinds = new Set(receiver.received.map((r) => (JSON.parse(r.body) as { event: string }).event));
      throw new Error(
        `${error.message}; missing: ${EVENT_TYPES.filter((type) => !kinds.has(type)).join(', ')}`,
      );
    });
    expect([...heard].sort()).toEqual([...EVENT_TYPES].sort());
    for (const request of receiver.received) expect(referenceVerify(secret, request)).toBe(true);
  }, 90_000);
});
