/**
 * One campaign from activation to its last follow-up, over a real SMTP server, on the offline discovery
 * and drafting adapters: drafts approved in bulk → one mail per contact with its variables substituted
 * and the one-click unsubscribe headers → first follow-ups at their (moved) clock date → a reply stops
 * that contact's next follow-up → a one-click unsubscribe stops everything for another → the second
 * follow-ups reach only the rest. A webhook endpoint receives what happened, signed: the sends, the
 * reply, the unsubscribe and the campaign's completion.
 */
import { and, eq } from 'drizzle-orm';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts } from '../../db/schema-contacts.ts';
import { messages } from '../../db/schema-messages.ts';
import { inboundSignature } from '../../src/domain/inbound/inbound-signature.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { type Receiver, referenceVerify, startReceiver } from '../webhooks/receiver.ts';
import { until } from './send-fixtures.ts';
import { type SmtpSink, startSmtpSink } from './smtp-sink.ts';

const SECRET = 'campaign-e2e-inbound-secret-0123';
const DAY = 24 * 60 * 60_000;

let sink: SmtpSink;
let server: TestServer;
let receiver: Receiver;

beforeAll(async () => {
  sink = await startSmtpSink();
  receiver = await startReceiver();
  server = await startTestServer(
    {
      SMTP_URL: sink.url,
      EMAIL_FROM: 'Iris <outreach@iris.test>',
      IRIS_PUBLIC_URL: 'https://iris.test',
      INBOUND_SECRET: SECRET,
      WEBHOOKS_ALLOW_PRIVATE: 'true',
    },
    { jobs: { settings: { pollIntervalMs: 50, backoffBaseMs: 1, backoffMaxMs: 5 } } },
  );
});
afterAll(async () => {
  await server?.close();
  await sink?.close();
  await receiver?.close();
});

type Row = typeof messages.$inferSelect;

async function outbound(campaignId: string): Promise<Row[]> {
  return server.services.db
    .select()
    .from(messages)
    .where(and(eq(messages.campaignId, campaignId), eq(messages.direction, 'outbound')));
}

async function settledSends(campaignId: string, step: number, expected: number): Promise<Row[]> {
  return until(`${expected} sends of step ${step}`, async () => {
    await server.services.jobs.runDue();
    const rows = (await outbound(campaignId)).filter((m) => m.step === step && m.status === 'sent');
    return rows.length === expected ? rows : undefined;
  });
}

describe('a campaign over SMTP, end to end', () => {
  it('mails, follows up, stops for a reply and for an unsubscribe', async () => {
    const hook = await api(server.url, 'POST', '/webhooks', {
      key: server.adminKey,
      body: { url: `${receiver.url}/iris`, events: ['*'] },
    });
    expect(hook.status, hook.text).toBe(201);
    const secret = hook.body.data.secret as string;
    const created = await api(server.url, 'POST', '/campaigns', {
      key: server.adminKey,
      body: {
        name: 'Spring residency',
        objective_type: 'venue_dj',
        location: 'Austin, TX',
        venue_types: ['cocktail bar'],
        max_results: 4,
        outreach_channels: ['email'],
        followup_days: [3, 7],
      },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.data.id as string;
    await api(server.url, 'POST', `/campaigns/${id}/status`, {
      key: server.adminKey,
      body: { status: 'active' },
    });

    // Every reachable contact gets three drafts; the run is done when they all exist.
    const people = await until('the contacts', async () => {
      const answer = await api(server.url, 'GET', `/campaigns/${id}/contacts`, { key: server.adminKey });
      const list = answer.body.data as { id: string; email: string | null }[];
      return list.length === 4 ? list.filter((c) => c.email !== null) : undefined;
    });
    expect(people.length).toBeGreaterThanOrEqual(3);
    const drafts = await until('the drafts', async () => {
      const rows = await outbound(id);
      return rows.length === people.length * 3 && rows.every((r) => r.status === 'pending_approval')
        ? rows
        : undefined;
    });
    const approved = await api(server.url, 'POST', '/messages/bulk', {
      key: server.adminKey,
      body: { action: 'approve', ids: drafts.map((d) => d.id) },
    });
    expect(approved.status, approved.text).toBe(200);

    const firsts = await settledSends(id, 0, people.length);
    for (const person of people) {
      const mails = sink.mailsTo(person.email as string);
      expect(mails).toHaveLength(1);
      const mail = mails[0];
      const first = firsts.find((m) => m.contactId === person.id);
      expect(mail?.headers.get('subject')).toBe(first?.subject);
      expect(mail?.headers.get('list-unsubscribe')).toBe(`<https://iris.test/unsubscribe/${first?.id}>`);
      expect(mail?.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
      expect(mail?.raw).not.toContain('{{');
    }

    // Day 3: the first follow-ups go, in their threads.
    server.advance(3 * DAY + 60_000);
    const seconds = await settledSends(id, 1, people.length);
    for (const followUp of seconds) {
      const first = firsts.find((m) => m.contactId === followUp.contactId);
      const [, mail] = sink.mailsTo(people.find((p) => p.id === followUp.contactId)?.email as string);
      expect(mail?.headers.get('in-reply-to')).toBe(first?.externalId);
    }

    // One contact replies; another unsubscribes with one click.
    const [replier, leaver, ...rest] = people;
    const replierFirst = firsts.find((m) => m.contactId === replier?.id);
    const reply = new MailComposer({
      from: replier?.email as string,
      to: 'outreach@iris.test',
      subject: 'Re: your DJ sets',
      inReplyTo: replierFirst?.externalId as string,
      text: 'Sounds interesting, call me.',
    })
      .compile()
      .build();
    const raw = await reply;
    const timestamp = String(Math.floor(server.services.clock().getTime() / 1000));
    const posted = await fetch(`${server.url}/inbound/email`, {
      method: 'POST',
      headers: {
        'X-Iris-Timestamp': timestamp,
        'X-Iris-Signature': inboundSignature(SECRET, timestamp, raw),
      },
      body: raw,
    });
    expect(posted.status).toBe(200);
    const leaverFirst = firsts.find((m) => m.contactId === leaver?.id);
    const unsubscribed = await fetch(`${server.url}/unsubscribe/${leaverFirst?.id}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribed.status).toBe(200);
    const [left] = await server.services.db
      .select()
      .from(contacts)
      .where(eq(contacts.id, leaver?.id as string));
    expect(left?.unsubscribeReason).toBe('one_click');

    // Day 7: only the others get the second follow-up.
    server.advance(4 * DAY + 60_000);
    await settledSends(id, 2, rest.length);
    const thirds = (await outbound(id)).filter((m) => m.step === 2);
    const byContact = new Map(thirds.map((m) => [m.contactId, m]));
    expect(byContact.get(replier?.id as string)?.rejectionReason).toBe('cancelled: contact replied');
    expect(byContact.get(leaver?.id as string)?.rejectionReason).toBe('cancelled: contact unsubscribed');
    expect(sink.mailsTo(replier?.email as string)).toHaveLength(2);
    expect(sink.mailsTo(leaver?.email as string)).toHaveLength(2);
    for (const person of rest) expect(sink.mailsTo(person.email as string)).toHaveLength(3);

    // Nothing is left: the campaign completes.
    await until('completion', async () => {
      const answer = await api(server.url, 'GET', `/campaigns/${id}`, { key: server.adminKey });
      return answer.body.data.status === 'completed' ? true : undefined;
    });

    // The endpoint heard all of it, each delivery signed with the endpoint's secret.
    const delivered = await until('the webhooks', async () => {
      await server.services.jobs.runDue();
      const bodies = receiver.received.map(
        (r) => JSON.parse(r.body) as { event: string; data: Record<string, unknown> },
      );
      const completed = bodies.some((b) => b.event === 'campaign.updated' && b.data.status === 'completed');
      return completed ? bodies : undefined;
    });
    for (const request of receiver.received) expect(referenceVerify(secret, request)).toBe(true);
    const kinds = new Set(delivered.map((b) => b.event));
    for (const kind of [
      'message.approved',
      'message.sent',
      'conversation.reply_received',
      'contact.updated',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    const replied = delivered.find((b) => b.event === 'conversation.reply_received');
    expect(replied?.data).toMatchObject({ contact_id: replier?.id, channel: 'email', auto_reply: false });
    const sent = delivered.filter((b) => b.event === 'message.sent');
    expect(sent).toHaveLength(people.length * 2 + rest.length);
  }, 60_000);
});
