/**
 * End to end: the events iris emits today reach a `*` endpoint from the operations that cause them, each
 * of the 16 reference event names goes through the fan-out, and a delivery whose attempt dies
 * mid-flight (its transaction rolled back, as in a crash) is delivered again with the same
 * X-Iris-Delivery id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../db/schema-events.ts';
import { EVENT_TYPES } from '../../src/domain/events/event-types.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { type Receiver, referenceVerify, startReceiver, until } from './receiver.ts';

const eventsOf = (receiver: Receiver) => receiver.received.map((r) => JSON.parse(r.body).event as string);

describe('events delivered end to end', () => {
  let server: TestServer;
  let receiver: Receiver;
  let secret: string;
  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startTestServer(
      { WEBHOOKS_ALLOW_PRIVATE: 'true' },
      { jobs: { settings: { pollIntervalMs: 50 } } },
    );
    const created = await api(server.url, 'POST', '/webhooks', {
      key: server.adminKey,
      body: { url: receiver.url, events: ['*'] },
    });
    secret = created.body.data.secret;
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('campaign and contact operations and discovery deliver their events', async () => {
    const key = server.adminKey;
    const campaign = await api(server.url, 'POST', '/campaigns', {
      key,
      body: { name: 'Hooks', objective_type: 'product_promotion' },
    });
    expect(campaign.status, campaign.text).toBe(201);
    const id = campaign.body.data.id;
    expect(
      (await api(server.url, 'PATCH', `/campaigns/${id}`, { key, body: { name: 'Hooks 2' } })).status,
    ).toBe(200);
    expect((await api(server.url, 'DELETE', `/campaigns/${id}`, { key })).status).toBe(200);
    const contact = await api(server.url, 'POST', '/contacts', { key, body: { email: 'e2e@example.com' } });
    const contactId = contact.body.data.id;
    expect(
      (await api(server.url, 'PATCH', `/contacts/${contactId}`, { key, body: { first_name: 'E' } })).status,
    ).toBe(200);
    expect((await api(server.url, 'DELETE', `/contacts/${contactId}`, { key })).status).toBe(200);
    const search = await api(server.url, 'POST', '/discovery/search', { key, body: { query: 'jazz bars' } });
    expect(search.status, search.text).toBeLessThan(300);
    const expected = [
      'campaign.created',
      'campaign.updated',
      'campaign.deleted',
      'contact.created',
      'contact.updated',
      'contact.deleted',
      'discovery.completed',
    ];
    await until('every event delivered', async () =>
      expected.every((name) => eventsOf(receiver).includes(name)) ? true : undefined,
    );
    const campaignCreated = receiver.received.find((r) => JSON.parse(r.body).event === 'campaign.created');
    expect(JSON.parse(campaignCreated?.body ?? '{}').data).toMatchObject({
      id,
      name: 'Hooks',
      status: 'draft',
    });
    for (const request of receiver.received) expect(referenceVerify(secret, request)).toBe(true);
  });

  it('fans out each of the 16 reference event names', async () => {
    const before = receiver.received.length;
    const now = server.services.clock();
    await server.services.db.insert(events).values(
      EVENT_TYPES.map((type) => ({
        userId: server.ownerId,
        type,
        data: { probe: type },
        occurredAt: now,
        createdAt: now,
      })),
    );
    await receiver.waitFor(before + EVENT_TYPES.length);
    const probes = receiver.received
      .slice(before)
      .map((r) => JSON.parse(r.body))
      .filter((body) => body.data?.probe);
    expect(probes.map((body) => body.event).sort()).toEqual([...EVENT_TYPES].sort());
    for (const body of probes) expect(body.data.probe).toBe(body.event);
  });
});

describe('an attempt that dies mid-flight', () => {
  it('is delivered again afterwards with the same X-Iris-Delivery', async () => {
    const receiver = await startReceiver();
    // A lease shorter than the receiver's first answer: the attempt is abandoned and rolls back.
    const server = await startTestServer(
      { WEBHOOKS_ALLOW_PRIVATE: 'true' },
      { jobs: { settings: { pollIntervalMs: 50, leaseMs: 400, backoffBaseMs: 1, backoffMaxMs: 5 } } },
    );
    try {
      let calls = 0;
      receiver.answer = () => (++calls === 1 ? { status: 200, delayMs: 1_500 } : { status: 200 });
      const created = await api(server.url, 'POST', '/webhooks', {
        key: server.adminKey,
        body: { url: receiver.url, events: ['campaign.created'] },
      });
      await api(server.url, 'POST', '/campaigns', {
        key: server.adminKey,
        body: { name: 'Crash', objective_type: 'product_promotion' },
      });
      const [first, second] = await receiver.waitFor(2);
      expect(first?.headers['x-iris-delivery']).toBeDefined();
      expect(second?.headers['x-iris-delivery']).toBe(first?.headers['x-iris-delivery']);
      const [delivery] = await until('delivered', async () => {
        const page = await api(server.url, 'GET', `/webhooks/${created.body.data.id}/deliveries`, {
          key: server.adminKey,
        });
        return page.body.data[0]?.status === 'succeeded' ? page.body.data : undefined;
      });
      expect(delivery.id).toBe(first?.headers['x-iris-delivery']);
      // The abandoned attempt left nothing behind: one attempt logged, the one that finished.
      expect(delivery.attempts).toBe(1);
      expect(delivery.attempt_log).toHaveLength(1);
    } finally {
      await server.close();
      await receiver.close();
    }
  });
});
