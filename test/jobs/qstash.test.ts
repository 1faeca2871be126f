/**
 * JOBS_DRIVER=qstash against a local QStash (test/helpers/qstash-server.ts) that the unmodified
 * `@upstash/qstash` Client publishes to and that calls `POST /internal/jobs/:id` back with a real
 * `Upstash-Signature`: a committed job is published (deduplication id = job id, notBefore = run-at) and
 * run once; failures are retried by QStash (5xx + Retry-After) until the last attempt ends `failed`
 * (non-retryable); a delivery whose signature is missing or wrong is refused with 401 and runs nothing.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jobs } from '../../db/schema-jobs.ts';
import { parseEnv } from '../../src/env.ts';
import { enqueue, type NewJob } from '../../src/jobs/enqueue.ts';
import { JOB_HANDLERS } from '../../src/jobs/job-handlers.ts';
import {
  type QstashMessage,
  type QstashServer,
  signUpstash,
  startQstashServer,
} from '../helpers/qstash-server.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { createEffectsTable, effectsOf, jobRow, testHandlers } from './support.ts';

const PUBLIC_URL = 'https://iris.example';

let qstash: QstashServer;
let server: TestServer;

beforeAll(async () => {
  qstash = await startQstashServer({ retryDelayMs: 50 });
  server = await startTestServer(
    {
      JOBS_DRIVER: 'qstash',
      QSTASH_URL: qstash.url,
      QSTASH_TOKEN: qstash.token,
      QSTASH_CURRENT_SIGNING_KEY: qstash.currentSigningKey,
      QSTASH_NEXT_SIGNING_KEY: qstash.nextSigningKey,
      IRIS_PUBLIC_URL: PUBLIC_URL,
    },
    {
      jobs: {
        handlers: { ...JOB_HANDLERS, ...testHandlers('qstash') },
        settings: { pollIntervalMs: 60_000, backoffBaseMs: 2_000 },
      },
    },
  );
  // iris listens on a local port behind its public URL: QStash's calls go there.
  qstash.target = server.url;
  await createEffectsTable(server.database.db);
});
afterAll(async () => {
  await server?.close();
  await qstash?.close();
});

let counter = 0;
async function add(job: Omit<NewJob, 'dedupeKey'>): Promise<string> {
  const id = await server.database.db.transaction((tx) =>
    enqueue(tx, { dedupeKey: `q:${++counter}`, ...job }),
  );
  if (!id) throw new Error('not enqueued');
  return id;
}

const row = (id: string) => jobRow(server.database.db, id);
const destinationOf = (id: string) => `${PUBLIC_URL}/internal/jobs/${id}`;

async function messageOf(id: string, state?: QstashMessage['state']): Promise<QstashMessage> {
  return vi.waitFor(
    () => {
      const message = qstash.messages.find((m) => m.destination === destinationOf(id));
      if (!message || (state && message.state !== state))
        throw new Error(`message ${message?.state ?? 'absent'}`);
      return message;
    },
    { timeout: 5_000, interval: 10 },
  );
}

describe('the QStash driver', () => {
  it('publishes a committed job with the SDK, is called back signed, and runs the job once', async () => {
    const id = await add({ kind: 'test.effect', payload: {} });
    const message = await messageOf(id, 'delivered');
    expect(message.headers).toMatchObject({
      authorization: `Bearer ${qstash.token}`,
      'upstash-deduplication-id': id,
      'upstash-retries': '3',
      'content-type': 'application/json',
    });
    expect(message.headers['upstash-not-before']).toBeUndefined();
    expect(JSON.parse(message.body)).toEqual({ job_id: id, final_attempt: 4 });
    expect(message.deliveries.map((d) => d.status)).toEqual([200]);
    expect(await row(id)).toMatchObject({ state: 'done', attempts: 1, lockedBy: null });
    expect(await effectsOf(server.database.db, id)).toEqual([{ job_id: id, attempt: 1, worker: 'qstash' }]);
    // Published rows are not published again.
    expect(await server.services.jobs.runDue()).toBe(0);
    expect(qstash.messages.filter((m) => m.destination === destinationOf(id))).toHaveLength(1);
  });

  it('publishes a job due soon with notBefore = its run-at, and keeps one due later queued', async () => {
    const soon = new Date(Date.now() + 30 * 60_000);
    const id = await add({ kind: 'test.effect', payload: {}, runAt: soon });
    const message = await messageOf(id);
    expect(message.headers['upstash-not-before']).toBe(String(Math.ceil(soon.getTime() / 1000)));
    expect(message.deliveries).toEqual([]);
    // Marked published in the transaction that published it, committed just after QStash accepted it.
    await vi.waitFor(async () => expect(await row(id)).toMatchObject({ state: 'published', attempts: 0 }), {
      timeout: 5_000,
      interval: 10,
    });

    const later = await add({
      kind: 'test.effect',
      payload: {},
      runAt: new Date(Date.now() + 3 * 86_400_000),
    });
    expect(await server.services.jobs.runDue()).toBe(0);
    expect(await row(later)).toMatchObject({ state: 'queued', attempts: 0 });
  });

  it('answers a failed attempt 5xx with Retry-After (our backoff); QStash’s retry then runs it', async () => {
    const id = await add({ kind: 'test.flaky', payload: { fail_times: 1 } });
    const message = await messageOf(id, 'delivered');
    expect(message.deliveries.map((d) => d.status)).toEqual([500, 200]);
    // Half to all of the 2 s base backoff, in whole seconds.
    expect(['1', '2']).toContain(message.deliveries[0]?.retryAfter);
    expect(await row(id)).toMatchObject({
      state: 'done',
      attempts: 2,
      lastError: 'flaky failure on attempt 1',
    });
    expect(await effectsOf(server.database.db, id)).toEqual([{ job_id: id, attempt: 2, worker: 'qstash' }]);
  });

  it('ends the job `failed` on the last attempt and tells QStash not to retry', async () => {
    const id = await add({ kind: 'test.fails', payload: {}, maxAttempts: 2 });
    const message = await messageOf(id, 'failed');
    expect(message.headers['upstash-retries']).toBe('1');
    expect(message.deliveries.map((d) => [d.status, d.nonRetryable])).toEqual([
      [500, false],
      [489, true],
    ]);
    const failed = await row(id);
    expect(failed).toMatchObject({ state: 'failed', attempts: 2, lastError: 'boom on attempt 2' });
    expect(failed.finishedAt).toBeInstanceOf(Date);
    expect(await effectsOf(server.database.db, id)).toEqual([]);
  });

  describe('POST /internal/jobs/:id', () => {
    /** A job QStash would deliver, written as published (no NOTIFY, so nothing else touches it). */
    async function publishedJob(): Promise<{ id: string; body: string }> {
      const [job] = await server.database.db
        .insert(jobs)
        .values({ kind: 'test.effect', payload: {}, state: 'published', dedupeKey: `manual:${++counter}` })
        .returning();
      const id = job?.id as string;
      return { id, body: JSON.stringify({ job_id: id, final_attempt: 4 }) };
    }

    const deliver = (id: string, body: string, signature?: string) =>
      fetch(`${server.url}/internal/jobs/${id}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(signature ? { 'upstash-signature': signature } : {}),
        },
        body,
      });

    it('refuses a missing or forged signature with 401 and runs nothing', async () => {
      const { id, body } = await publishedJob();
      const url = destinationOf(id);
      const now = Math.floor(Date.now() / 1000);
      const forgeries: [string, string | undefined][] = [
        ['missing', undefined],
        ['another key', signUpstash('sig_not_the_key', url, body)],
        ['another body', signUpstash(qstash.currentSigningKey, url, body.replace('4', '9'))],
        ['another url', signUpstash(qstash.currentSigningKey, destinationOf(crypto.randomUUID()), body)],
        ['another issuer', signUpstash(qstash.currentSigningKey, url, body, { iss: 'Someone' })],
        [
          'expired',
          signUpstash(qstash.currentSigningKey, url, body, {
            iat: now - 900,
            nbf: now - 900,
            exp: now - 600,
          }),
        ],
        ['not a JWT', 'not.a.jwt'],
      ];
      for (const [name, signature] of forgeries) {
        const response = await deliver(id, body, signature);
        expect(response.status, name).toBe(401);
      }
      expect(await row(id)).toMatchObject({ state: 'published', attempts: 0, lastError: null });
      expect(await effectsOf(server.database.db, id)).toEqual([]);

      // Signed with the next key (a rotation under way), it runs; a second delivery finds it done.
      const signed = signUpstash(qstash.nextSigningKey, url, body);
      const delivered = await deliver(id, body, signed);
      expect(delivered.status).toBe(200);
      expect(await delivered.json()).toEqual({ success: true, data: { id, state: 'done' } });
      expect((await deliver(id, body, signed)).status).toBe(200);
      expect(await effectsOf(server.database.db, id)).toHaveLength(1);
    });

    it('is not there with the local driver', async () => {
      const local = await startTestServer();
      try {
        const response = await fetch(`${local.url}/internal/jobs/${crypto.randomUUID()}`, { method: 'POST' });
        expect(response.status).toBe(404);
      } finally {
        await local.close();
      }
    });
  });

  it('needs its token, signing keys and public URL', () => {
    expect(() => parseEnv({ JOBS_DRIVER: 'qstash', QSTASH_TOKEN: 't' })).toThrow(
      /JOBS_DRIVER=qstash needs QSTASH_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY, IRIS_PUBLIC_URL/,
    );
  });
});
