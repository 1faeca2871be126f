/**
 * Deliveries to a local receiver (WEBHOOKS_ALLOW_PRIVATE=true): signatures checked with the reference's
 * sample receiver logic and with the `standardwebhooks` library; the event filter; retries on 5xx with
 * backoff then success; exhaustion after 3 retries (4 attempts); the 30-second timeout; rotation;
 * the test operation; the delivery log and redelivery; auto-disable with a notification.
 */
import { eq } from 'drizzle-orm';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { notifications } from '../../db/schema-events.ts';
import { jobs } from '../../db/schema-jobs.ts';
import { webhookDeliveries, webhookEndpoints } from '../../db/schema-webhooks.ts';
import { emitAll } from '../../src/domain/events/emit.ts';
import { runDeliveryAttempt } from '../../src/domain/webhooks/deliver.ts';
import { DELIVERY_TIMEOUT_MS } from '../../src/domain/webhooks/retry-policy.ts';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { type Receiver, referenceVerify, startReceiver, until } from './receiver.ts';

const MINUTE = 60_000;
let server: TestServer;
let key: string;
let receiver: Receiver;

beforeAll(async () => {
  server = await startTestServer(
    { WEBHOOKS_ALLOW_PRIVATE: 'true' },
    { jobs: { settings: { pollIntervalMs: 50 } } },
  );
});
afterAll(async () => {
  await server?.close();
});
beforeEach(async () => {
  // A key per test: a fresh rate-limit budget without moving the clock.
  key = (await createKey(server.url, server.adminKey, ['*'])).key;
  receiver = await startReceiver();
  return async () => {
    // Endpoints of finished tests receive nothing more.
    await server.services.db.update(webhookEndpoints).set({ deletedAt: new Date() });
    await receiver.close();
  };
});

async function hook(events: string[] = ['*'], path = '/hook'): Promise<{ id: string; secret: string }> {
  const created = await api(server.url, 'POST', '/webhooks', {
    key,
    body: { url: `${receiver.url}${path}`, events },
  });
  expect(created.status, created.text).toBe(201);
  return created.body.data;
}

/** Emits `count` contact.created events for the owner, as the contacts operations do. */
async function emitContacts(count = 1): Promise<void> {
  const data = Array.from({ length: count }, (_, i) => ({
    id: crypto.randomUUID(),
    email: `p${i}@example.com`,
    first_name: 'Pat',
    last_name: null,
    company: null,
    source: 'api',
    campaign_id: null,
  }));
  await server.services.db.transaction((tx) =>
    emitAll(
      tx,
      { userId: server.ownerId, agentIdentityId: null },
      'contact.created',
      data,
      server.services.clock(),
    ),
  );
}

async function deliveriesOf(webhookId: string) {
  const page = await api(server.url, 'GET', `/webhooks/${webhookId}/deliveries?limit=100`, { key });
  expect(page.status, page.text).toBe(200);
  return page.body.data as {
    id: string;
    status: string;
    attempts: number;
    max_attempts: number;
    response_status: number | null;
    latency_ms: number | null;
    next_retry_at: string | null;
    attempt_log: { attempt: number; response_status: number | null; error: string | null }[];
  }[];
}

/** Moves the clock and runs what fell due. */
async function advance(ms: number): Promise<void> {
  server.advance(ms);
  await server.services.jobs.runDue();
}

describe('a delivery', () => {
  it('is signed so the reference receiver and the standardwebhooks library both verify it', async () => {
    const { id, secret } = await hook(['contact.created']);
    const contact = await api(server.url, 'POST', '/contacts', {
      key,
      body: { email: 'ana@blueroom.example', first_name: 'Ana' },
    });
    expect(contact.status, contact.text).toBe(201);
    const [request] = await receiver.waitFor(1);
    if (!request) throw new Error('no request');
    expect(request.path).toBe('/hook');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('Iris-Webhooks/1.0');
    const deliveryId = String(request.headers['x-iris-delivery']);
    expect(deliveryId).toMatch(/^[0-9a-f-]{36}$/);
    expect(request.headers['webhook-id']).toBe(deliveryId);
    const timestamp = Number(request.headers['x-iris-timestamp']);
    expect(Math.abs(timestamp - Date.now() / 1000)).toBeLessThan(30);
    expect(request.headers['webhook-timestamp']).toBe(String(timestamp));

    expect(referenceVerify(secret, request)).toBe(true);
    expect(referenceVerify(`${secret}x`, request)).toBe(false);
    expect(referenceVerify(secret, { ...request, body: `${request.body} ` })).toBe(false);
    const verified = new StandardWebhook(secret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    });
    const other = (await api(server.url, 'POST', `/webhooks/${id}/rotate-secret`, { key })).body.data.secret;
    expect(() =>
      new StandardWebhook(other).verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }),
    ).toThrow();

    const envelope = JSON.parse(request.body);
    expect(verified).toEqual(envelope);
    expect(Object.keys(envelope).sort()).toEqual(['created_at', 'data', 'event', 'id', 'timestamp']);
    expect(envelope.id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(envelope.event).toBe('contact.created');
    expect(envelope.data).toMatchObject({ id: contact.body.data.id, email: 'ana@blueroom.example' });
    expect(envelope.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

    const [delivery] = await until('the delivery recorded', async () => {
      const list = await deliveriesOf(id);
      return list[0]?.status === 'succeeded' ? list : undefined;
    });
    expect(delivery).toMatchObject({
      id: deliveryId,
      status: 'succeeded',
      attempts: 1,
      response_status: 200,
    });
    expect(delivery?.latency_ms).toBeGreaterThanOrEqual(0);
    expect(delivery?.attempt_log).toEqual([
      expect.objectContaining({ attempt: 1, response_status: 200, error: null, response_body: 'ok' }),
    ]);
  });

  it('goes only to endpoints whose filter matches, once per endpoint', async () => {
    const contactsOnly = await hook(['contact.deleted'], '/deleted');
    const all = await hook(['*'], '/all');
    await emitContacts(2);
    await receiver.waitFor(2);
    // The poller may still be writing the second answer down: runDue skips a job another worker holds.
    await until('both deliveries recorded', async () => {
      const statuses = (await deliveriesOf(all.id)).map((d) => d.status);
      return statuses.length === 2 && statuses.every((s) => s === 'succeeded');
    });
    await server.services.jobs.runDue();
    expect(await deliveriesOf(contactsOnly.id)).toEqual([]);
    expect((await deliveriesOf(all.id)).map((d) => d.status)).toEqual(['succeeded', 'succeeded']);
    expect(receiver.received.map((r) => r.path)).toEqual(['/all', '/all']);
  });

  it('retries a 500 with growing waits, then succeeds, with the same X-Iris-Delivery each time', async () => {
    const { id, secret } = await hook();
    let calls = 0;
    receiver.answer = () => (++calls <= 2 ? { status: 500, body: 'down' } : { status: 204 });
    await emitContacts();
    await receiver.waitFor(1);
    const [first] = await until('attempt 1 logged', async () => {
      const list = await deliveriesOf(id);
      return list[0]?.attempts === 1 ? list : undefined;
    });
    expect(first).toMatchObject({ status: 'pending', response_status: 500 });
    const wait = Date.parse(first?.next_retry_at ?? '') - server.services.clock().getTime();
    expect(wait).toBeGreaterThan(50_000);
    expect(wait).toBeLessThanOrEqual(MINUTE);
    await advance(30_000);
    expect(receiver.received).toHaveLength(1);
    await advance(31_000);
    await receiver.waitFor(2);
    await until('attempt 2 logged', async () =>
      (await deliveriesOf(id))[0]?.attempts === 2 ? true : undefined,
    );
    await advance(3 * MINUTE);
    expect(receiver.received).toHaveLength(2);
    await advance(MINUTE + 1000);
    await receiver.waitFor(3);
    const [done] = await until('succeeded', async () => {
      const list = await deliveriesOf(id);
      return list[0]?.status === 'succeeded' ? list : undefined;
    });
    expect(done?.attempt_log.map((a) => a.response_status)).toEqual([500, 500, 204]);
    expect(done?.attempt_log[0]?.error).toBe('the receiver answered HTTP 500');
    expect(new Set(receiver.received.map((r) => r.headers['x-iris-delivery']))).toEqual(new Set([done?.id]));
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    for (const request of receiver.received) expect(referenceVerify(secret, request)).toBe(true);
  });

  it('gives up after 3 retries (4 attempts), then can be redelivered with the same id', async () => {
    const { id } = await hook();
    receiver.answer = () => ({ status: 503 });
    await emitContacts();
    await receiver.waitFor(1);
    for (const wait of [MINUTE, 4 * MINUTE, 16 * MINUTE]) {
      const before = receiver.received.length;
      await until('the attempt logged', async () =>
        (await deliveriesOf(id))[0]?.attempts === before ? true : undefined,
      );
      await advance(wait + 1000);
      await receiver.waitFor(before + 1);
    }
    const [failed] = await until('failed', async () => {
      const list = await deliveriesOf(id);
      return list[0]?.status === 'failed' ? list : undefined;
    });
    expect(failed).toMatchObject({ attempts: 4, max_attempts: 4, next_retry_at: null, response_status: 503 });
    expect(failed?.attempt_log.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    await advance(24 * 60 * MINUTE);
    expect(receiver.received).toHaveLength(4);

    receiver.answer = () => ({ status: 200 });
    const redelivered = await api(server.url, 'POST', `/webhooks/${id}/deliveries/${failed?.id}/redeliver`, {
      key,
    });
    expect(redelivered.status, redelivered.text).toBe(200);
    expect(redelivered.body.data).toMatchObject({ id: failed?.id, status: 'pending', max_attempts: 8 });
    await receiver.waitFor(5);
    const [again] = await until('redelivered', async () => {
      const list = await deliveriesOf(id);
      return list[0]?.status === 'succeeded' ? list : undefined;
    });
    expect(again?.attempt_log.map((a) => a.response_status)).toEqual([503, 503, 503, 503, 200]);
    expect(receiver.received[4]?.headers['x-iris-delivery']).toBe(failed?.id);
    const unknown = await api(
      server.url,
      'POST',
      `/webhooks/${id}/deliveries/${crypto.randomUUID()}/redeliver`,
      {
        key,
      },
    );
    expect(unknown.body.error.code).toBe('SERVER_003');
  });

  it('times an attempt out (30 s by default) and logs it as failed with no status', async () => {
    expect(DELIVERY_TIMEOUT_MS).toBe(30_000);
    const { id } = await hook();
    receiver.answer = () => ({ status: 200, delayMs: 2_000 });
    const [row] = await server.services.db
      .insert(webhookDeliveries)
      .values({ endpointId: id, eventType: 'webhook.test', testData: {}, createdAt: server.services.clock() })
      .returning();
    if (!row) throw new Error('fixture insert failed');
    const outcome = await server.services.db.transaction((tx) =>
      runDeliveryAttempt(
        { db: tx, services: server.services, now: server.services.clock(), timeoutMs: 300 },
        row.id,
        1,
      ),
    );
    expect(outcome).toBe('retrying');
    const [delivery] = await deliveriesOf(id);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, response_status: null });
    expect(delivery?.attempt_log[0]?.error).toBe('timed out after 300 ms');
    expect(delivery?.latency_ms).toBeGreaterThanOrEqual(300);
    expect(delivery?.latency_ms).toBeLessThan(2_000);
  });

  it('after rotate-secret, verifies only with the new secret', async () => {
    const { id, secret: old } = await hook();
    await emitContacts();
    const [before] = await receiver.waitFor(1);
    expect(before && referenceVerify(old, before)).toBe(true);
    const rotated = await api(server.url, 'POST', `/webhooks/${id}/rotate-secret`, { key });
    const fresh = rotated.body.data.secret as string;
    await emitContacts();
    const [, after] = await receiver.waitFor(2);
    if (!after) throw new Error('no second request');
    expect(referenceVerify(fresh, after)).toBe(true);
    expect(referenceVerify(old, after)).toBe(false);
    // Earlier tests moved the server's clock past the library's 5-minute tolerance: compare signatures.
    const id_ = String(after.headers['webhook-id']);
    const at = new Date(Number(after.headers['webhook-timestamp']) * 1000);
    const signature = String(after.headers['webhook-signature']);
    expect(new StandardWebhook(fresh).sign(id_, at, after.body)).toBe(signature);
    expect(new StandardWebhook(old).sign(id_, at, after.body)).not.toBe(signature);
  });
});

describe('webhooks.test', () => {
  it('delivers webhook.test now and answers the outcome; a failure is not retried', async () => {
    const { id, secret } = await hook(['message.sent']);
    const ok = await api(server.url, 'POST', `/webhooks/${id}/test`, { key });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.data).toMatchObject({
      event: 'webhook.test',
      status: 'succeeded',
      attempts: 1,
      response_status: 200,
    });
    const [request] = receiver.received;
    expect(request && referenceVerify(secret, request)).toBe(true);
    expect(JSON.parse(request?.body ?? '{}')).toMatchObject({
      event: 'webhook.test',
      data: { webhook_id: id },
    });

    receiver.answer = () => ({ status: 500, body: 'nope' });
    const bad = await api(server.url, 'POST', `/webhooks/${id}/test`, { key });
    expect(bad.body.data).toMatchObject({
      status: 'failed',
      attempts: 1,
      max_attempts: 1,
      response_status: 500,
    });
    expect(bad.body.data.attempt_log[0].response_body).toBe('nope');
    const retries = await server.services.db.select().from(jobs).where(eq(jobs.kind, 'webhook.deliver'));
    expect(
      retries.filter((job) => (job.payload as { delivery_id: string }).delivery_id === bad.body.data.id),
    ).toEqual([]);
    const [endpoint] = await server.services.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, id));
    expect(endpoint?.consecutiveFailures).toBe(0);
  });
});

describe('an endpoint that keeps failing', () => {
  it('is disabled after 5 failed deliveries in a row spanning an hour, with a notification', async () => {
    const { id } = await hook();
    receiver.answer = () => ({ status: 500 });
    await emitContacts(5);
    await receiver.waitFor(5);
    for (const wait of [MINUTE, 4 * MINUTE, 16 * MINUTE]) {
      const before = receiver.received.length;
      await advance(wait + 1000);
      await receiver.waitFor(before + 5);
    }
    const failed = await until('5 deliveries failed', async () => {
      const list = await deliveriesOf(id);
      return list.every((d) => d.status === 'failed') ? list : undefined;
    });
    expect(failed).toHaveLength(5);
    const still = await api(server.url, 'GET', `/webhooks/${id}`, { key });
    expect(still.body.data.enabled).toBe(true);

    await advance(60 * MINUTE);
    await emitContacts(1);
    await receiver.waitFor(21);
    for (const wait of [MINUTE, 4 * MINUTE, 16 * MINUTE]) {
      const before = receiver.received.length;
      await advance(wait + 1000);
      await receiver.waitFor(before + 1);
    }
    const off = await until('disabled', async () => {
      const got = await api(server.url, 'GET', `/webhooks/${id}`, { key });
      return got.body.data.enabled === false ? got.body.data : undefined;
    });
    expect(off).toMatchObject({ enabled: false, disabled_reason: 'failing' });
    const told = await server.services.db
      .select()
      .from(notifications)
      .where(eq(notifications.kind, 'webhook.disabled'));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      userId: server.ownerId,
      payload: expect.objectContaining({ webhook_id: id }),
    });

    await emitContacts(1);
    await server.services.jobs.runDue();
    expect(await deliveriesOf(id)).toHaveLength(6);
    const refused = await api(server.url, 'POST', `/webhooks/${id}/deliveries/${failed[0]?.id}/redeliver`, {
      key,
    });
    expect(refused.body.error.code).toBe('HOOK_003');

    const back = await api(server.url, 'PATCH', `/webhooks/${id}`, { key, body: { enabled: true } });
    expect(back.body.data).toMatchObject({ enabled: true, disabled_reason: null });
    const [row] = await server.services.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id));
    expect(row).toMatchObject({ consecutiveFailures: 0, failingSince: null });
  });
});
