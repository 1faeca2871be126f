/**
 * Replies and opting out, end to end over a real SMTP server: a reply posted to /inbound/email (signed
 * with INBOUND_SECRET) lands in its conversation and stops the next follow-up; an out-of-office answer
 * does not; a forged, missing or stale signature stores nothing; the unsubscribe link's page changes
 * nothing on GET and one-click POST stops everything for that contact; a hard bounce suppresses the
 * address and a campaign whose bounces pass 5% after 20 sends pauses itself.
 */
import { and, eq } from 'drizzle-orm';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { contacts, conversations } from '../../db/schema-contacts.ts';
import { events, notifications } from '../../db/schema-events.ts';
import { messages } from '../../db/schema-messages.ts';
import { inboundSignature } from '../../src/domain/inbound/inbound-signature.ts';
import { pauseOnBounceRate } from '../../src/domain/sending/suppression.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { approve, messageRow, statusIs, thread, until } from './send-fixtures.ts';
import { type SmtpSink, startSmtpSink } from './smtp-sink.ts';

const SECRET = 'inbound-secret-for-tests-0123456789';
const JOBS = { settings: { pollIntervalMs: 50, backoffBaseMs: 1, backoffMaxMs: 5 } };

let sink: SmtpSink;
let server: TestServer;

beforeAll(async () => {
  sink = await startSmtpSink();
  server = await startTestServer(
    {
      SMTP_URL: sink.url,
      EMAIL_FROM: 'Iris <outreach@iris.test>',
      IRIS_PUBLIC_URL: 'https://iris.test',
      INBOUND_SECRET: SECRET,
    },
    { jobs: JOBS },
  );
});
afterAll(async () => {
  await server?.close();
  await sink?.close();
});

/** A sent first message with its follow-up queued for later. */
async function sentThread() {
  const t = await thread(server.services.db, server.ownerId);
  await approve(server, [t.first.id, t.followUp.id]);
  const first = await until('the first send', statusIs(server, t.first.id, ['sent']));
  expect((await messageRow(server, t.followUp.id)).status).toBe('queued');
  return { ...t, first };
}

async function replyMail(
  to: { email: string },
  inReplyTo: string,
  text: string,
  headers: Record<string, string> = {},
): Promise<Buffer> {
  return new MailComposer({
    from: `Nina <${to.email}>`,
    to: 'outreach@iris.test',
    subject: 'Re: Hello Nina',
    messageId: `<reply-${Math.random().toString(36).slice(2)}@example.com>`,
    inReplyTo,
    references: [inReplyTo],
    text,
    headers,
  })
    .compile()
    .build();
}

async function postInbound(body: Buffer, signature?: { timestamp?: string; value?: string }) {
  const timestamp = signature?.timestamp ?? String(Math.floor(server.services.clock().getTime() / 1000));
  const headers: Record<string, string> = { 'Content-Type': 'message/rfc822' };
  if (signature?.value !== '') {
    headers['X-Iris-Timestamp'] = timestamp;
    headers['X-Iris-Signature'] = signature?.value ?? inboundSignature(SECRET, timestamp, body);
  }
  const response = await fetch(`${server.url}/inbound/email`, { method: 'POST', headers, body });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function inboundOf(contactId: string) {
  return server.services.db
    .select()
    .from(messages)
    .where(and(eq(messages.contactId, contactId), eq(messages.direction, 'inbound')));
}

describe('POST /inbound/email', () => {
  it('stores a reply in its conversation, stops the follow-up, tells the account and analyzes it', async () => {
    const t = await sentThread();
    const raw = await replyMail(
      t.contact as { email: string },
      t.first.externalId as string,
      'Sounds great, what dates work?',
    );
    const first = await postInbound(raw);
    expect(first.status, JSON.stringify(first.json)).toBe(200);
    const data = first.json.data as Record<string, unknown>;
    expect(data).toMatchObject({ matched: true, conversation_id: t.first.conversationId, duplicate: false });

    const [reply] = await inboundOf(t.contact.id);
    expect(reply).toMatchObject({
      id: data.message_id,
      status: 'received',
      channel: 'email',
      conversationId: t.first.conversationId,
      campaignId: t.campaign.id,
      autoReply: false,
      subject: 'Re: Hello Nina',
    });
    expect(reply?.body).toBe('Sounds great, what dates work?');
    const [conversation] = await server.services.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, t.first.conversationId as string));
    expect(conversation?.unreadCount).toBe(1);
    const followUp = await messageRow(server, t.followUp.id);
    expect(followUp.status).toBe('rejected');
    expect(followUp.rejectionReason).toBe('cancelled: contact replied');
    const told = await server.services.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, server.ownerId), eq(notifications.kind, 'reply.received')));
    expect(told.map((n) => (n.payload as { message_id: string }).message_id)).toContain(reply?.id);
    const [event] = (
      await server.services.db.select().from(events).where(eq(events.type, 'conversation.reply_received'))
    ).filter((e) => (e.data as { message_id: string }).message_id === reply?.id);
    expect(event?.data).toMatchObject({
      id: t.first.conversationId,
      contact_id: t.contact.id,
      auto_reply: false,
    });

    const analyzed = await until('the analysis', async () => {
      const row = await messageRow(server, reply?.id as string);
      return row.analysis ?? undefined;
    });
    expect(analyzed).toMatchObject({ intent: 'interested', model: expect.any(String) });

    // The sender retries the same delivery: stored once, counted once.
    const again = await postInbound(raw);
    expect(again.status).toBe(200);
    expect(again.json.data).toMatchObject({ matched: true, message_id: reply?.id, duplicate: true });
    expect(await inboundOf(t.contact.id)).toHaveLength(1);
    const [still] = await server.services.db
      .select()
      .from(conversations)
      .where(eq(conversations.id, t.first.conversationId as string));
    expect(still?.unreadCount).toBe(1);
  });

  it('keeps the sequence going after an out-of-office answer', async () => {
    const t = await sentThread();
    const raw = await replyMail(
      t.contact as { email: string },
      t.first.externalId as string,
      'I am away until Monday.',
      {
        'Auto-Submitted': 'auto-replied',
      },
    );
    const posted = await postInbound(raw);
    expect(posted.json.data).toMatchObject({ matched: true, auto_reply: true });
    const [reply] = await inboundOf(t.contact.id);
    expect(reply?.autoReply).toBe(true);
    expect((await messageRow(server, t.followUp.id)).status).toBe('queued');
  });

  it('puts a contact who asks to be removed on the suppression list', async () => {
    const t = await sentThread();
    const raw = await replyMail(
      t.contact as { email: string },
      t.first.externalId as string,
      'Please remove me from your list.',
    );
    expect((await postInbound(raw)).status).toBe(200);
    const contact = await until('the suppression', async () => {
      const [row] = await server.services.db.select().from(contacts).where(eq(contacts.id, t.contact.id));
      return row?.unsubscribedAt ? row : undefined;
    });
    expect(contact.unsubscribeReason).toBe('reply');
  });

  it('refuses a forged, missing or stale signature and stores nothing', async () => {
    const t = await sentThread();
    const raw = await replyMail(t.contact as { email: string }, t.first.externalId as string, 'Hello');
    const forged = await postInbound(raw, { value: inboundSignature('another-secret-0123456789', '1', raw) });
    const missing = await postInbound(raw, { value: '' });
    const stale = String(Math.floor(server.services.clock().getTime() / 1000) - 600);
    const old = await postInbound(raw, { timestamp: stale, value: inboundSignature(SECRET, stale, raw) });
    const tampered = await postInbound(Buffer.concat([raw, Buffer.from('x')]), {
      value: inboundSignature(SECRET, String(Math.floor(server.services.clock().getTime() / 1000)), raw),
    });
    for (const answer of [forged, missing, old, tampered]) {
      expect(answer.status).toBe(401);
      expect((answer.json.error as { code: string }).code).toBe('AUTH_001');
    }
    expect(await inboundOf(t.contact.id)).toEqual([]);
    expect((await messageRow(server, t.followUp.id)).status).toBe('queued');
  });

  it('acknowledges a mail that answers nothing iris sent, and stores nothing', async () => {
    const raw = await replyMail({ email: 'stranger@example.com' }, '<unknown@elsewhere.test>', 'Hi?');
    const posted = await postInbound(raw);
    expect(posted.status).toBe(200);
    expect(posted.json.data).toMatchObject({ matched: false });
  });
});

describe('unsubscribing', () => {
  it('shows a page on GET, and unsubscribes on the one-click POST, once', async () => {
    const t = await sentThread();
    const [mail] = sink.mailsTo(t.contact.email as string);
    const link = mail?.headers.get('list-unsubscribe') ?? '';
    expect(link).toBe(`<https://iris.test/unsubscribe/${t.first.id}>`);
    const path = `/unsubscribe/${t.first.id}`;

    const page = await fetch(`${server.url}${path}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post">');
    const [untouched] = await server.services.db.select().from(contacts).where(eq(contacts.id, t.contact.id));
    expect(untouched?.unsubscribedAt).toBeNull();

    for (let i = 0; i < 2; i++) {
      const posted = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect(posted.status).toBe(200);
    }
    const [contact] = await server.services.db.select().from(contacts).where(eq(contacts.id, t.contact.id));
    expect(contact?.unsubscribedAt).not.toBeNull();
    expect(contact?.unsubscribeReason).toBe('one_click');
    const followUp = await messageRow(server, t.followUp.id);
    expect(followUp.status).toBe('rejected');
    expect(followUp.rejectionReason).toBe('cancelled: contact unsubscribed');
    const updated = (
      await server.services.db.select().from(events).where(eq(events.type, 'contact.updated'))
    ).filter((e) => (e.data as { id: string }).id === t.contact.id);
    expect(updated).toHaveLength(1);

    // Every later message to the contact, from another campaign too, is withdrawn before it goes.
    const other = await thread(server.services.db, server.ownerId, { email: `x${Date.now()}@example.com` });
    await server.services.db
      .update(messages)
      .set({ contactId: t.contact.id })
      .where(eq(messages.campaignId, other.campaign.id));
    await approve(server, [other.first.id]);
    const cancelled = await until('the cancelled send', statusIs(server, other.first.id, ['rejected']));
    expect(cancelled.rejectionReason).toBe('cancelled: contact unsubscribed');
    expect(sink.mailsTo(t.contact.email as string)).toHaveLength(1);

    const page2 = await fetch(`${server.url}${path}`);
    expect(await page2.text()).toContain('You are unsubscribed');
  });

  it('answers 404 for a link that names no message', async () => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-an-id']) {
      expect((await fetch(`${server.url}/unsubscribe/${id}`)).status).toBe(404);
      expect((await fetch(`${server.url}/unsubscribe/${id}`, { method: 'POST', body: '' })).status).toBe(404);
    }
  });

  it('withdraws a contact’s waiting messages when a person marks it unsubscribed', async () => {
    const t = await thread(server.services.db, server.ownerId);
    const response = await api(server.url, 'PATCH', `/contacts/${t.contact.id}`, {
      key: server.adminKey,
      body: { unsubscribed: true },
    });
    expect(response.status, response.text).toBe(200);
    for (const id of [t.first.id, t.followUp.id]) {
      expect((await messageRow(server, id)).rejectionReason).toBe('cancelled: contact unsubscribed');
    }
    const [contact] = await server.services.db.select().from(contacts).where(eq(contacts.id, t.contact.id));
    expect(contact?.unsubscribeReason).toBe('manual');
  });
});

describe('bounces', () => {
  it('suppresses a hard-bounced address', async () => {
    const t = await thread(server.services.db, server.ownerId);
    sink.bounce.add(t.contact.email as string);
    await approve(server, [t.first.id]);
    await until('the bounce', statusIs(server, t.first.id, ['bounced']));
    const [contact] = await server.services.db.select().from(contacts).where(eq(contacts.id, t.contact.id));
    expect(contact?.unsubscribeReason).toBe('bounce');
  });

  it('pauses a campaign whose bounces pass 5% after 20 sends, and tells its account', async () => {
    const t = await thread(server.services.db, server.ownerId);
    const row = (step: number, status: string) => ({
      userId: server.ownerId,
      campaignId: t.campaign.id,
      contactId: t.contact.id,
      channel: 'instagram',
      direction: 'outbound',
      step,
      status,
      body: 'hi',
    });
    // 19 sent + 1 bounced: 5%, not past it.
    await server.services.db
      .insert(messages)
      .values([...Array.from({ length: 19 }, (_, i) => row(i, 'sent')), row(19, 'bounced')]);
    const now = server.services.clock();
    expect(await server.services.db.transaction((tx) => pauseOnBounceRate(tx, t.campaign.id, now))).toBe(
      false,
    );
    await server.services.db.insert(messages).values(row(20, 'bounced'));
    expect(await server.services.db.transaction((tx) => pauseOnBounceRate(tx, t.campaign.id, now))).toBe(
      true,
    );
    const [campaign] = await server.services.db
      .select()
      .from(campaigns)
      .where(eq(campaigns.id, t.campaign.id));
    expect(campaign?.status).toBe('paused');
    const told = await server.services.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.userId, server.ownerId), eq(notifications.kind, 'campaign.paused')));
    expect(told.some((n) => (n.payload as { campaign_id: string }).campaign_id === t.campaign.id)).toBe(true);
  });
});
