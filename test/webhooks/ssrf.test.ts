/**
 * The SSRF guard: with WEBHOOKS_ALLOW_PRIVATE off, loopback, private, link-local, metadata and
 * IPv4-mapped addresses (literal or behind a host name) are refused at creation; at delivery the host
 * is resolved again and refused the same way (DNS rebinding), the request connects to the checked
 * address only, and redirects are never followed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emitAll } from '../../src/domain/events/emit.ts';
import { classifyAddress } from '../../src/integrations/webhooks/address-policy.ts';
import { postWebhook } from '../../src/integrations/webhooks/post-webhook.ts';
import { resolveTarget } from '../../src/integrations/webhooks/resolve-target.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { type Receiver, startReceiver, until } from './receiver.ts';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'private'],
    ['127.8.9.10', 'private'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['0.0.0.0', 'private'],
    ['169.254.1.1', 'private'],
    ['224.0.0.1', 'private'],
    ['255.255.255.255', 'private'],
    ['169.254.169.254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['::1', 'private'],
    ['::', 'private'],
    ['fe80::1', 'private'],
    ['fc00::1', 'private'],
    ['ff02::1', 'private'],
    ['::ffff:127.0.0.1', 'private'],
    ['::ffff:7f00:1', 'private'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['64:ff9b::7f00:1', 'private'],
    ['2002:7f00:1::', 'private'],
    ['93.184.215.14', 'public'],
    ['8.8.8.8', 'public'],
    ['2606:4700:4700::1111', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['not-an-ip', 'private'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });
});

describe('resolveTarget', () => {
  it('refuses a name when any of its addresses is private, and keeps the checked address', async () => {
    const mixed = await resolveTarget('https://mixed.test/hook', {
      allowPrivate: false,
      resolve: async () => [
        { address: '93.184.215.14', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ],
    });
    expect(mixed).toMatchObject({ ok: false, reason: 'forbidden_address' });
    const fine = await resolveTarget('https://fine.test/hook', {
      allowPrivate: false,
      resolve: async () => [{ address: '93.184.215.14', family: 4 }],
    });
    expect(fine).toMatchObject({
      ok: true,
      target: { hostname: 'fine.test', address: { address: '93.184.215.14' } },
    });
    const unknown = await resolveTarget('https://nowhere.test/', {
      allowPrivate: false,
      resolve: async () => {
        throw new Error('ENOTFOUND');
      },
    });
    expect(unknown).toMatchObject({ ok: false, reason: 'unresolvable' });
    const metadata = await resolveTarget('http://169.254.169.254/', { allowPrivate: true });
    expect(metadata).toMatchObject({ ok: false, reason: 'forbidden_address' });
  });

  it('connects to the checked address, never to a second lookup of the name', async () => {
    const receiver = await startReceiver();
    try {
      const port = new URL(receiver.url).port;
      // rebind.test resolves nowhere: only the pinned address can have carried the request.
      const result = await postWebhook({
        target: {
          url: new URL(`http://rebind.test:${port}/pinned`),
          hostname: 'rebind.test',
          address: { address: '127.0.0.1', family: 4 },
        },
        headers: { 'content-type': 'application/json' },
        body: '{}',
        timeoutMs: 5_000,
      });
      expect(result).toMatchObject({ kind: 'answered', status: 200 });
      expect(receiver.received[0]?.headers.host).toBe(`rebind.test:${port}`);
      expect(receiver.received[0]?.path).toBe('/pinned');
    } finally {
      await receiver.close();
    }
  });
});

describe('with WEBHOOKS_ALLOW_PRIVATE off', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it.each([
    'https://127.0.0.1/hook',
    'https://10.0.0.1/hook',
    'https://169.254.169.254/latest/meta-data/',
    'https://[::1]/hook',
    'https://localhost/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[::ffff:a9fe:a9fe]/hook',
    'https://192.168.0.10:8443/hook',
    'http://93.184.215.14/hook',
  ])('refuses %s at creation (HOOK_003)', async (url) => {
    const response = await api(server.url, 'POST', '/webhooks', {
      key: server.adminKey,
      body: { url, events: ['*'] },
    });
    expect(response.status, response.text).toBe(400);
    expect(response.body.error.code).toBe('HOOK_003');
    expect(response.body.error.message).toContain('url');
  });

  it('accepts an https URL on a public address', async () => {
    const response = await api(server.url, 'POST', '/webhooks', {
      key: server.adminKey,
      body: { url: 'https://93.184.215.14/hook', events: ['*'] },
    });
    expect(response.status, response.text).toBe(201);
  });
});

describe('at delivery time', () => {
  let server: TestServer;
  let receiver: Receiver;
  let elsewhere: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    elsewhere = await startReceiver();
    server = await startTestServer(
      { WEBHOOKS_ALLOW_PRIVATE: 'true' },
      { jobs: { settings: { pollIntervalMs: 50 } } },
    );
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
    await elsewhere?.close();
  });

  async function deliveriesOf(id: string) {
    return (await api(server.url, 'GET', `/webhooks/${id}/deliveries`, { key: server.adminKey })).body
      .data as {
      attempts: number;
      attempt_log: { response_status: number | null; error: string | null }[];
    }[];
  }

  async function emitOne() {
    await server.services.db.transaction((tx) =>
      emitAll(
        tx,
        { userId: server.ownerId, agentIdentityId: null },
        'contact.deleted',
        [
          {
            id: crypto.randomUUID(),
            email: null,
            first_name: null,
            last_name: null,
            company: null,
            source: 'api',
            campaign_id: null,
          },
        ],
        server.services.clock(),
      ),
    );
  }

  it('resolves again and refuses an address that is no longer allowed; the receiver gets nothing', async () => {
    const created = await api(server.url, 'POST', '/webhooks', {
      key: server.adminKey,
      // A name that resolves to loopback, registered while private receivers were allowed.
      body: {
        url: `${receiver.url.replace('http://127.0.0.1', 'https://localhost')}/rebound`,
        events: ['contact.deleted'],
      },
    });
    expect(created.status).toBe(201);
    server.services.env.WEBHOOKS_ALLOW_PRIVATE = false;
    try {
      await emitOne();
      const [delivery] = await until('the refused attempt', async () => {
        const list = await deliveriesOf(created.body.data.id);
        return list[0]?.attempts === 1 ? list : undefined;
      });
      expect(delivery?.attempt_log[0]?.response_status).toBeNull();
      expect(delivery?.attempt_log[0]?.error).toMatch(/^refused: host localhost resolves to a loopback/);
      expect(receiver.received).toEqual([]);
    } finally {
      server.services.env.WEBHOOKS_ALLOW_PRIVATE = true;
      await api(server.url, 'DELETE', `/webhooks/${created.body.data.id}`, { key: server.adminKey });
    }
  });

  it('does not follow a redirect (to a private address or anywhere)', async () => {
    receiver.answer = () => ({ status: 302, headers: { location: `${elsewhere.url}/metadata` } });
    const created = await api(server.url, 'POST', '/webhooks', {
      key: server.adminKey,
      body: { url: `${receiver.url}/redirect`, events: ['contact.deleted'] },
    });
    await emitOne();
    await receiver.waitFor(1);
    const [delivery] = await until('the attempt', async () => {
      const list = await deliveriesOf(created.body.data.id);
      return list[0]?.attempts === 1 ? list : undefined;
    });
    expect(delivery?.attempt_log[0]).toMatchObject({
      response_status: 302,
      error: 'the receiver answered HTTP 302',
    });
    expect(elsewhere.received).toEqual([]);
  });
});
