/**
 * Free signed quotes: a keyless quote for a campaign body, paid at the quoted price with the stock
 * @x402/fetch client carrying it as Iris-Quote; expired, tampered and foreign-body quotes refused.
 */
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quotedRequestHash, signQuote } from '../../src/domain/quotes/quote-token.ts';
import { campaignsCreate } from '../../src/operations/campaigns/create.ts';
import { api, jsonOf } from '../helpers/api.ts';
import { type PaidServer, PRICE_ATOMIC, startPaidServer, x402Fetch } from '../helpers/paid-server.ts';
import { startTestServer } from '../helpers/test-server.ts';
import { connectMcp } from '../mcp/mcp-client.ts';

const body = {
  name: 'quoted outreach',
  objective_type: 'product_promotion',
  outreach_channels: ['email', 'twitter'],
};

let paid: PaidServer;
beforeAll(async () => {
  paid = await startPaidServer();
});
afterAll(() => paid?.close());

const quote = (payload: unknown = body) =>
  api(paid.server.url, 'POST', '/campaigns/quote', { body: payload });

describe('campaigns.quote', () => {
  it('answers without a key: price per rail, allotment, usable channels, hints, a signed quote', async () => {
    const response = await quote();
    expect(response.status).toBe(200);
    const data = response.body.data;
    expect(data.operation).toBe('campaigns.create');
    expect(data.price.x402).toMatchObject({
      amount: '2.25',
      amount_atomic: PRICE_ATOMIC.toString(),
      network: 'eip155:8453',
      receiver: paid.payTo,
    });
    expect(data.price.mpp).toBeNull();
    expect(data.allotment).toEqual({ contacts: 30, messages: 240 });
    expect(data.channels).toEqual([
      { channel: 'email', usable: true, reason: null },
      { channel: 'twitter', usable: false, reason: expect.any(String) },
    ]);
    expect(data.hints.some((hint: string) => hint.includes('$1'))).toBe(true);
    expect(data.hints.some((hint: string) => hint.startsWith('twitter'))).toBe(true);
    const expiresIn = Date.parse(data.expires_at) - Date.now();
    expect(expiresIn).toBeGreaterThan(290_000);
    expect(expiresIn).toBeLessThanOrEqual(300_000);

    // The quote verifies against the published key set alone.
    const jwks = await api(paid.server.url, 'GET', '/.well-known/jwks.json');
    const { payload, protectedHeader } = await jwtVerify(data.quote, createLocalJWKSet(jwks.body), {
      typ: 'iris-quote+jwt',
    });
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(payload).toMatchObject({
      op: 'campaigns.create',
      price: { x402_atomic: PRICE_ATOMIC.toString(), mpp_cents: 240, credits: null },
    });
  });

  it('validates the body exactly as create would', async () => {
    const quoted = await quote({ name: 'no objective' });
    const created = await api(paid.server.url, 'POST', '/campaigns', { body: { name: 'no objective' } });
    expect(quoted.status).toBe(422);
    expect(created.status).toBe(422);
    expect(quoted.body.error.code).toBe(created.body.error.code);
    expect(quoted.body.error.message).toBe(created.body.error.message);
  });

  it('is rate limited per address in a bucket of its own', async () => {
    const response = await quote();
    expect(response.headers.get('x-ratelimit-limit')).not.toBeNull();
  });
});

describe('campaigns.create with Iris-Quote', () => {
  it('pays the quoted price with the stock x402 client', async () => {
    const { body: quoted } = await quote();
    const payer = await paid.newPayer();
    const before = await paid.chain.balanceOf(payer.address);
    const pay = x402Fetch(paid.chain, payer.account);
    const response = await pay(`${paid.server.url}/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'iris-quote': quoted.data.quote },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    const created = await jsonOf(response);
    expect(created.data.status).toBe('active');
    expect(before - (await paid.chain.balanceOf(payer.address))).toBe(
      BigInt(quoted.data.price.x402.amount_atomic),
    );
  });

  it('holds a quoted price that differs from the current one', async () => {
    // A quote this server signed earlier at $2.00 (the test runs in the server's process and key ring).
    const quotedAtomic = 2_000_000n;
    const { token } = await signQuote(
      paid.server.services.env,
      'http://localhost:0',
      {
        op: 'campaigns.create',
        req: quotedRequestHash('campaigns.create', campaignsCreate.input.parse(body)),
        price: { x402_atomic: quotedAtomic.toString(), mpp_cents: 213, credits: null },
      },
      paid.server.services.clock(),
    );
    const challenge = await api(paid.server.url, 'POST', '/campaigns', {
      headers: { 'iris-quote': token },
      body,
    });
    expect(challenge.status).toBe(402);
    expect(challenge.body.x402.amount_atomic).toBe(quotedAtomic.toString());
    const unquoted = await api(paid.server.url, 'POST', '/campaigns', { body });
    expect(unquoted.body.x402.amount_atomic).toBe(PRICE_ATOMIC.toString());

    const payer = await paid.newPayer();
    const before = await paid.chain.balanceOf(payer.address);
    const response = await x402Fetch(paid.chain, payer.account)(`${paid.server.url}/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'iris-quote': token },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    expect(before - (await paid.chain.balanceOf(payer.address))).toBe(quotedAtomic);
    expect((await jsonOf(response)).meta.payment.amount).toBe('2.00');
  });

  it('refuses an expired quote before any money moves', async () => {
    const { body: quoted } = await quote();
    paid.server.advance(301_000);
    const response = await api(paid.server.url, 'POST', '/campaigns', {
      headers: { 'iris-quote': quoted.data.quote },
      body,
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('PAYMENT_009');
    expect(response.body.error.message).toContain('expired');
  });

  it('refuses a tampered quote', async () => {
    const { body: quoted } = await quote();
    const [header, payload, signature] = quoted.data.quote.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.price.x402_atomic = '1';
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const response = await api(paid.server.url, 'POST', '/campaigns', {
      headers: { 'iris-quote': forged },
      body,
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('PAYMENT_009');
    expect(response.body.error.message).toContain('signature');
  });

  it('refuses a quote issued for another body', async () => {
    const { body: quoted } = await quote();
    const response = await api(paid.server.url, 'POST', '/campaigns', {
      headers: { 'iris-quote': quoted.data.quote },
      body: { ...body, name: 'something else' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('PAYMENT_009');
  });

  it('answers an unpaid create carrying a valid quote with the 402 challenge', async () => {
    const { body: quoted } = await quote();
    const response = await api(paid.server.url, 'POST', '/campaigns', {
      headers: { 'iris-quote': quoted.data.quote },
      body,
    });
    expect(response.status).toBe(402);
    expect(response.body.x402.amount_atomic).toBe(quoted.data.price.x402.amount_atomic);
  });
});

describe('campaigns.quote over MCP', () => {
  it('answers without a key where agents can pay, and asks for one where they cannot', async () => {
    const client = await connectMcp(paid.server.url);
    try {
      const result = await client.callTool({ name: 'campaigns_quote', arguments: body });
      expect(result.isError, JSON.stringify(result)).toBeFalsy();
      const data = (result.structuredContent as { data: { quote: string; operation: string } }).data;
      expect(data.operation).toBe('campaigns.create');
      expect(data.quote.split('.')).toHaveLength(3);
      // A free quote opens nothing else: a read without a key is still refused.
      const list = await client
        .callTool({ name: 'campaigns_list', arguments: {} })
        .catch((error: Error) => error);
      expect(list instanceof Error || (list as { isError?: boolean }).isError).toBe(true);
    } finally {
      await client.close();
    }
    const unpaid = await startTestServer();
    try {
      const refused = await api(unpaid.url, 'POST', '/campaigns/quote', { body });
      expect([refused.status, refused.body.error.code]).toEqual([401, 'APIKEY_001']);
    } finally {
      await unpaid.close();
    }
  });
});
