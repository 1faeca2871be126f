/**
 * A server process killed with SIGKILL after the SMTP server accepted a mail and before the send's
 * transaction committed: after a restart the send's job is claimed again (its lease ran out), finds the
 * message still queued on a later attempt, and fails it as outcome unknown — the recipient gets one
 * mail, never two. The window is held open on purpose: the test locks the conversation row the send
 * updates after the SMTP call, so the process is stuck exactly there when it is killed.
 */
import type { ChildProcess } from 'node:child_process';
import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns, users } from '../../db/schema.ts';
import { contacts, conversations } from '../../db/schema-contacts.ts';
import { messages } from '../../db/schema-messages.ts';
import { enqueueSend } from '../../src/domain/sending/queue-send.ts';
import { runTsx } from '../helpers/spawn-server.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { type SmtpSink, startSmtpSink } from './smtp-sink.ts';

let database: TestDatabase;
let sink: SmtpSink;
const children = new Set<ChildProcess>();

function start(): Promise<ChildProcess> {
  const child = runTsx('src/main.ts', [], {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'error',
    DATABASE_URL: database.url,
    IRIS_ENCRYPTION_KEY: 'ab'.repeat(32),
    SMTP_URL: sink.url,
    EMAIL_FROM: 'Iris <outreach@iris.test>',
    JOBS_POLL_INTERVAL_MS: '100',
    JOBS_LEASE_MS: '2000',
  });
  children.add(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start: ${out}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/listening on http:\/\/\S+/.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before listening: ${out}`));
    });
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  sink = await startSmtpSink();
});
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sink?.close();
  await database?.close();
});

describe('a server killed between the SMTP accept and its commit', () => {
  it('sends one mail, and records the outcome as unknown after the restart', async () => {
    const db = database.db;
    const [user] = await db
      .insert(users)
      .values({ email: 'killed-send@test.local', kind: 'user' })
      .returning();
    const [campaign] = await db
      .insert(campaigns)
      .values({
        userId: user?.id as string,
        name: 'Killed',
        objectiveType: 'venue_dj',
        maxResults: 1,
        outreachChannels: ['email'],
        status: 'active',
      })
      .returning();
    const [contact] = await db
      .insert(contacts)
      .values({ userId: user?.id as string, source: 'api', email: 'victim@example.com', firstName: 'Vic' })
      .returning();
    const [conversation] = await db
      .insert(conversations)
      .values({
        userId: user?.id as string,
        contactId: contact?.id as string,
        campaignId: campaign?.id,
        channel: 'email',
      })
      .returning();
    const [message] = await db
      .insert(messages)
      .values({
        userId: user?.id as string,
        campaignId: campaign?.id,
        contactId: contact?.id as string,
        channel: 'email',
        direction: 'outbound',
        step: 0,
        status: 'queued',
        subject: 'Hello {{first_name}}',
        body: 'Hi {{first_name}}',
      })
      .returning();
    const messageId = message?.id as string;

    // Hold the conversation row: the send blocks on it right after the SMTP server accepted the mail.
    const holder = postgres(database.url, { max: 1, onnotice: () => {} });
    const reserved = await holder.reserve();
    await reserved`begin`;
    await reserved`select id from conversations where id = ${conversation?.id as string} for update`;

    const first = await start();
    await enqueueSend(db, messageId, 'killed');
    await until('the mail', () => (sink.mailsTo('victim@example.com').length === 1 ? true : undefined));
    // Give the process the moment to reach the blocked update, then kill it there.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    await exited;
    await reserved`rollback`;
    reserved.release();
    await holder.end({ timeout: 5 });

    const [stillQueued] = await db.select().from(messages).where(eq(messages.id, messageId));
    expect(stillQueued?.status).toBe('queued');

    await start();
    const failed = await until('the recorded outcome', async () => {
      const [row] = await db.select().from(messages).where(eq(messages.id, messageId));
      return row?.status === 'failed' ? row : undefined;
    });
    expect(failed.errorCode).toBe('MESSAGE_001');
    expect(failed.errorMessage).toContain('not sent again');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sink.mailsTo('victim@example.com')).toHaveLength(1);
  }, 120_000);
});
