/**
 * Open tracking (EMAIL_TRACK_OPENS=true): a sent email carries an HTML part with its text escaped and a
 * 1×1 image at /o/<message id>.gif; the image's first load records opened_at and message.opened, later
 * loads and unknown ids change nothing and get the same image. Also: a first send opens its
 * conversation with conversation.created.
 */
import { and, eq } from 'drizzle-orm';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts } from '../../db/schema-contacts.ts';
import { events } from '../../db/schema-events.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { approve, messageRow, statusIs, thread, until } from './send-fixtures.ts';
import { type SmtpSink, startSmtpSink } from './smtp-sink.ts';

let sink: SmtpSink;
let server: TestServer;

beforeAll(async () => {
  sink = await startSmtpSink();
  server = await startTestServer(
    {
      SMTP_URL: sink.url,
      EMAIL_FROM: 'Iris <outreach@iris.test>',
      IRIS_PUBLIC_URL: 'https://iris.test',
      EMAIL_TRACK_OPENS: 'true',
    },
    { jobs: { settings: { pollIntervalMs: 50, backoffBaseMs: 1, backoffMaxMs: 5 } } },
  );
});
afterAll(async () => {
  await server?.close();
  await sink?.close();
});

async function eventsOf(type: string, id: string) {
  const rows = await server.services.db.select().from(events).where(eq(events.type, type));
  return rows.filter((row) => (row.data as { id: string }).id === id);
}

describe('email opens', () => {
  it('records the first load of the image, once', async () => {
    const t = await thread(server.services.db, server.ownerId, {}, 'Hi {{first_name}} <b>&</b> friends');
    await approve(server, [t.first.id]);
    const sent = await until('the send', statusIs(server, t.first.id, ['sent']));
    const [mail] = sink.mailsTo(t.contact.email as string);
    const parsed = await simpleParser(mail?.raw ?? '');
    expect(parsed.text?.trim()).toBe('Hi Nina <b>&</b> friends');
    expect(parsed.html).toContain('<p>Hi Nina &#60;b&#62;&#38;&#60;/b&#62; friends</p>');
    expect(parsed.html).toContain(`<img src="https://iris.test/o/${t.first.id}.gif"`);

    const opened = [];
    for (let i = 0; i < 2; i++) {
      const image = await fetch(`${server.url}/o/${t.first.id}.gif`);
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/gif');
      opened.push(Buffer.from(await image.arrayBuffer()));
    }
    expect(opened[0]?.equals(opened[1] as Buffer)).toBe(true);
    const row = await messageRow(server, t.first.id);
    expect(row.openedAt).not.toBeNull();
    expect(await eventsOf('message.opened', t.first.id)).toHaveLength(1);

    const unknown = await fetch(`${server.url}/o/00000000-0000-4000-8000-000000000000.gif`);
    expect(unknown.status).toBe(200);
    expect(Buffer.from(await unknown.arrayBuffer()).equals(opened[0] as Buffer)).toBe(true);

    const created = await eventsOf('conversation.created', sent.conversationId as string);
    expect(created).toHaveLength(1);
    expect(created[0]?.data).toMatchObject({
      contact_id: t.contact.id,
      campaign_id: t.campaign.id,
      channel: 'email',
    });
    // The follow-up goes in the same conversation: no second conversation.created.
    const [person] = await server.services.db
      .select()
      .from(contacts)
      .where(and(eq(contacts.id, t.contact.id)));
    expect(person?.unsubscribedAt).toBeNull();
  });
});
