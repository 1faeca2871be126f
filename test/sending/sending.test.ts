/**
 * Sending over a real SMTP server (smtp-server on 127.0.0.1): an approved draft is mailed once with our
 * Message-ID, List-Unsubscribe headers and its variables rendered; its follow-up goes at its date in the
 * same thread; opted-out contacts get nothing; 550 bounces; 451 is retried; a send never happens twice;
 * without SMTP_URL the outbox records it.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, conversations } from '../../db/schema-contacts.ts';
import { events } from '../../db/schema-events.ts';
import { jobs } from '../../db/schema-jobs.ts';
import { messages } from '../../db/schema-messages.ts';
import { EVENT_DATA } from '../../src/domain/events/event-types.ts';
import { enqueueSend } from '../../src/domain/sending/queue-send.ts';
import { sendMessage } from '../../src/domain/sending/send-message.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { approve, messageRow, statusIs, thread, until } from './send-fixtures.ts';
import { type SmtpSink, startSmtpSink } from './smtp-sink.ts';

/** The events of `type` written about message `id`. */
async function eventsOf(id: string, type: string) {
  const rows = await server.services.db.select().from(events).where(eq(events.type, type));
  return rows.filter((row) => (row.data as { id?: string }).id === id);
}

const DAY = 24 * 60 * 60_000;
const JOBS = { settings: { pollIntervalMs: 50, backoffBaseMs: 1, backoffMaxMs: 5 } };

let sink: SmtpSink;
let server: TestServer;

beforeAll(async () => {
  sink = await startSmtpSink();
  server = await startTestServer(
    { SMTP_URL: sink.url, EMAIL_FROM: 'Iris <outreach@iris.test>', IRIS_PUBLIC_URL: 'https://iris.test' },
    { jobs: JOBS },
  );
});
afterAll(async () => {
  await server?.close();
  await sink?.close();
});

describe('message.send over SMTP', () => {
  it('mails an approved draft once, then its follow-up at its date in the same thread', async () => {
    const { first, followUp, contact } = await thread(server.services.db, server.ownerId);
    await approve(server, [first.id, followUp.id]);
    const sent = await until('the first message sent', statusIs(server, first.id, ['sent']));
    const [mail, ...more] = await until('the mail', () => {
      const got = sink.mailsTo(contact.email as string);
      return got.length > 0 ? got : undefined;
    });
    expect(more).toEqual([]);
    const messageId = `<${first.id}@iris.test>`;
    expect(mail?.headers.get('message-id')).toBe(messageId);
    expect(sent.externalId).toBe(messageId);
    expect(mail?.headers.get('list-unsubscribe')).toBe(`<https://iris.test/unsubscribe/${first.id}>`);
    expect(mail?.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(mail?.headers.get('subject')).toBe('Hello Nina');
    expect(mail?.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(mail?.body).toContain('Hi Nina, we play at Club Nord.');
    expect(mail?.body).not.toContain('{{');
    const [conversation] = await server.services.db
      .select()
      .from(conversations)
      .where(eq(conversations.contactId, contact.id));
    expect(sent.conversationId).toBe(conversation?.id);

    const sentAt = sent.sentAt as Date;
    const scheduled = await messageRow(server, followUp.id);
    expect(scheduled.status).toBe('queued');
    expect(scheduled.scheduledAt?.getTime()).toBe(sentAt.getTime() + 3 * DAY);
    // Not before its date.
    await server.services.jobs.runDue();
    expect(sink.mailsTo(contact.email as string)).toHaveLength(1);

    server.advance(3 * DAY + 60_000);
    await server.services.jobs.runDue();
    await until('the follow-up sent', statusIs(server, followUp.id, ['sent']));
    const mails = sink.mailsTo(contact.email as string);
    expect(mails).toHaveLength(2);
    const second = mails[1];
    expect(second?.headers.get('message-id')).toBe(`<${followUp.id}@iris.test>`);
    expect(second?.headers.get('in-reply-to')).toBe(messageId);
    expect(second?.headers.get('references')).toBe(messageId);
    expect(second?.body).toContain('Just checking in, Nina.');
  });

  it('sends nothing to an unsubscribed contact and cancels the follow-up of one who opts out', async () => {
    const before = await thread(server.services.db, server.ownerId, { unsubscribedAt: new Date() });
    await approve(server, [before.first.id, before.followUp.id]);
    const cancelled = await until('the first cancelled', statusIs(server, before.first.id, ['rejected']));
    expect(cancelled.rejectionReason).toBe('cancelled: contact unsubscribed');
    expect(sink.attempts.get(before.contact.email as string)).toBeUndefined();

    const later = await thread(server.services.db, server.ownerId);
    await approve(server, [later.first.id, later.followUp.id]);
    await until('the first sent', statusIs(server, later.first.id, ['sent']));
    await server.services.db
      .update(contacts)
      .set({ unsubscribedAt: server.services.clock() })
      .where(eq(contacts.id, later.contact.id));
    server.advance(3 * DAY + 60_000);
    await server.services.jobs.runDue();
    const followUp = await until(
      'the follow-up cancelled',
      statusIs(server, later.followUp.id, ['rejected']),
    );
    expect(followUp.rejectionReason).toBe('cancelled: contact unsubscribed');
    expect(sink.mailsTo(later.contact.email as string)).toHaveLength(1);
  });

  it('cancels a follow-up when the contact replied', async () => {
    const t = await thread(server.services.db, server.ownerId);
    await approve(server, [t.first.id, t.followUp.id]);
    const sent = await until('the first sent', statusIs(server, t.first.id, ['sent']));
    await server.services.db.insert(messages).values({
      userId: server.ownerId,
      campaignId: t.campaign.id,
      contactId: t.contact.id,
      conversationId: sent.conversationId,
      channel: 'email',
      direction: 'inbound',
      status: 'received',
      body: 'Sounds good!',
    });
    server.advance(3 * DAY + 60_000);
    await server.services.jobs.runDue();
    const followUp = await until('the follow-up cancelled', statusIs(server, t.followUp.id, ['rejected']));
    expect(followUp.rejectionReason).toBe('cancelled: contact replied');
    expect(sink.mailsTo(t.contact.email as string)).toHaveLength(1);
  });

  it('records an SMTP 550 as a bounce and cancels the follow-up', async () => {
    const t = await thread(server.services.db, server.ownerId);
    sink.bounce.add(t.contact.email as string);
    await approve(server, [t.first.id, t.followUp.id]);
    const bounced = await until('the bounce', statusIs(server, t.first.id, ['bounced']));
    expect(bounced.errorCode).toBe('MESSAGE_001');
    expect(bounced.errorMessage).toContain('550');
    expect((await messageRow(server, t.followUp.id)).status).toBe('rejected');
    expect(sink.mailsTo(t.contact.email as string)).toHaveLength(0);
    const written = await eventsOf(t.first.id, 'message.bounced');
    expect(EVENT_DATA['message.bounced'].parse(written[0]?.data).error).toContain('550');
    expect(await eventsOf(t.first.id, 'message.sent')).toEqual([]);
  });

  it('retries an SMTP 451 as a new try after a backoff, then sends once', async () => {
    const t = await thread(server.services.db, server.ownerId);
    sink.deferOnce.set(t.contact.email as string, 1);
    await approve(server, [t.first.id]);
    await until('the first attempt', () => (sink.attempts.get(t.contact.email as string) ?? 0) >= 1);
    const waiting = await until('the next try', async () => {
      const [row] = await server.services.db
        .select()
        .from(jobs)
        .where(eq(jobs.dedupeKey, `message.send:${t.first.id}:try-2`));
      return row;
    });
    // The failed try's job is done (its outcome recorded); the next try waits for its backoff.
    const [firstJob] = await server.services.db
      .select()
      .from(jobs)
      .where(eq(jobs.dedupeKey, `message.send:${t.first.id}:queued`));
    expect(firstJob?.state).toBe('done');
    expect(firstJob?.attempts).toBe(1);
    expect(waiting.payload).toEqual({ message_id: t.first.id, try: 2 });
    expect(waiting.runAt.getTime()).toBeGreaterThan(server.services.clock().getTime() + 10_000);
    const queued = await messageRow(server, t.first.id);
    expect(queued.status).toBe('queued');
    expect(queued.errorMessage).toMatch(/^try 1: .*451/);
    server.advance(60_000);
    await server.services.jobs.runDue();
    const sent = await until('the send', statusIs(server, t.first.id, ['sent']));
    expect(sent.errorCode).toBeNull();
    expect(sent.errorMessage).toBeNull();
    expect(sink.attempts.get(t.contact.email as string)).toBe(2);
    expect(sink.mailsTo(t.contact.email as string)).toHaveLength(1);
  });

  it('never sends again when an attempt ended after the channel took the message but before its outcome was stored', async () => {
    const t = await thread(server.services.db, server.ownerId);
    await server.services.db.update(messages).set({ status: 'queued' }).where(eq(messages.id, t.first.id));
    // Due tomorrow: the worker leaves it alone, the test runs it by id.
    await enqueueSend(
      server.services.db,
      t.first.id,
      'crash',
      new Date(server.services.clock().getTime() + DAY),
    );
    const [job] = await server.services.db
      .select()
      .from(jobs)
      .where(eq(jobs.dedupeKey, `message.send:${t.first.id}:crash`));
    // Attempt 1: the mail is accepted, then the attempt dies before it commits (its transaction rolls back).
    const crash = new Error('the process died');
    await expect(
      server.services.db.transaction(async (tx) => {
        await sendMessage(tx, server.services, t.first.id, { now: server.services.clock(), attempt: 1 });
        throw crash;
      }),
    ).rejects.toBe(crash);
    expect(sink.mailsTo(t.contact.email as string)).toHaveLength(1);
    expect((await messageRow(server, t.first.id)).status).toBe('queued');
    // The job's first attempt was claimed (committed) and never finished: the worker's run is attempt 2.
    await server.services.db
      .update(jobs)
      .set({ attempts: 1 })
      .where(eq(jobs.id, job?.id as string));
    await server.services.jobs.runJob(job?.id as string);
    const failed = await messageRow(server, t.first.id);
    expect(failed.status).toBe('failed');
    expect(failed.errorCode).toBe('MESSAGE_001');
    expect(failed.errorMessage).toContain('not sent again');
    expect(sink.mailsTo(t.contact.email as string)).toHaveLength(1);
    // A person who decides it did not arrive sends it anyway.
    const retried = await api(server.url, 'POST', `/messages/${t.first.id}/retry`, { key: server.adminKey });
    expect(retried.status, retried.text).toBe(200);
    await until('the retried send', statusIs(server, t.first.id, ['sent']));
    expect(sink.mailsTo(t.contact.email as string)).toHaveLength(2);
  });

  it('sends once however many times its job runs', async () => {
    const t = await thread(server.services.db, server.ownerId);
    await approve(server, [t.first.id]);
    await until('the send', statusIs(server, t.first.id, ['sent']));
    const [job] = await server.services.db
      .select()
      .from(jobs)
      .where(eq(jobs.dedupeKey, `message.send:${t.first.id}:queued`));
    expect(await server.services.jobs.runJob(job?.id as string)).toEqual({
      outcome: 'skipped',
      state: 'done',
    });
    // Another job for the same message (a second cause) finds it sent.
    await enqueueSend(server.services.db, t.first.id, 'again');
    await server.services.jobs.runDue();
    expect(sink.mailsTo(t.contact.email as string)).toHaveLength(1);

    // Two sends of one queued message at once: the row lock lets one through.
    const u = await thread(server.services.db, server.ownerId);
    await server.services.db.update(messages).set({ status: 'queued' }).where(eq(messages.id, u.first.id));
    const now = server.services.clock();
    const outcomes = await Promise.all(
      [1, 2].map(() =>
        server.services.db.transaction((tx) =>
          sendMessage(tx, server.services, u.first.id, { now, attempt: 1 }),
        ),
      ),
    );
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['sent', 'skipped']);
    expect(sink.mailsTo(u.contact.email as string)).toHaveLength(1);
  });

  it('fails a message whose variables the contact has no value for, naming them; a retry sends it', async () => {
    const t = await thread(server.services.db, server.ownerId, {}, 'Hi {{first_name}} from {{city_name}}');
    await approve(server, [t.first.id]);
    const failed = await until('the failure', statusIs(server, t.first.id, ['failed']));
    expect(failed.errorCode).toBe('MESSAGE_001');
    expect(failed.errorMessage).toBe('missing variables: city_name');
    expect(sink.attempts.get(t.contact.email as string)).toBeUndefined();

    // Given the value, a retry queues a new send job (the failed one's key is spent) and it goes.
    await server.services.db
      .update(contacts)
      .set({ attributes: { city_name: 'Oslo' } })
      .where(eq(contacts.id, t.contact.id));
    const retried = await api(server.url, 'POST', `/messages/${t.first.id}/retry`, { key: server.adminKey });
    expect(retried.status, retried.text).toBe(200);
    const sent = await until('the retried send', statusIs(server, t.first.id, ['sent']));
    expect(sent.errorCode).toBeNull();
    expect(sink.mailsTo(t.contact.email as string).map((mail) => mail.body.trim())).toEqual([
      'Hi Nina from Oslo',
    ]);
  });
});

describe('message.send without SMTP_URL', () => {
  let offline: TestServer;
  beforeAll(async () => {
    offline = await startTestServer({}, { jobs: JOBS });
  });
  afterAll(() => offline?.close());

  it('records the message in the outbox: sent, never delivered', async () => {
    const t = await thread(offline.services.db, offline.ownerId);
    await approve(offline, [t.first.id]);
    const sent = await until('the outbox send', statusIs(offline, t.first.id, ['sent']));
    expect(sent.externalId).toBe(`outbox:<${t.first.id}@iris.local>`);
    expect(sent.body).toBe('Hi Nina, we play at Club Nord.');
    expect(sent.subject).toBe('Hello Nina');
    expect(sink.mailsTo(t.contact.email as string)).toHaveLength(0);
  });
});
