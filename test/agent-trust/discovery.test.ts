/**
 * Machine-readable payment discovery: the OpenAPI document passes the mppx discovery validator, carries
 * x-service-info and x-payment-info offers equal to what the live 402 challenge asks for, and
 * /.well-known/x402 lists the payable resources with exactly the challenge's `accepts`; MCP's payable
 * tools carry the same offers in `_meta`.
 */
import { randomBytes } from 'node:crypto';
import { decodePaymentRequiredHeader } from '@x402/core/http';
import { validate } from 'mppx/discovery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAYMENT_INFO_META } from '../../mcp/tool-catalog.ts';
import { type ApiResponse, api } from '../helpers/api.ts';
import { type PaidServer, startPaidServer } from '../helpers/paid-server.ts';
import { type StripeServer, startStripeServer } from '../helpers/stripe-server.ts';
import { connectMcp } from '../mcp/mcp-client.ts';

const body = { name: 'discovered', objective_type: 'product_promotion', outreach_channels: ['email'] };

let stripe: StripeServer;
let paid: PaidServer;
/** The OpenAPI document, inspected as freely as every test body. */
let openapi: ApiResponse['body'];
beforeAll(async () => {
  stripe = await startStripeServer();
  paid = await startPaidServer({
    MPP_SECRET_KEY: randomBytes(32).toString('hex'),
    MPP_REALM: 'iris.test',
    STRIPE_SECRET_KEY: 'sk_test_iris',
    STRIPE_API_BASE: stripe.url,
    STRIPE_PROFILE_ID: 'profile_test',
    MPP_RECONCILE_INTERVAL_MS: '3600000',
  });
  openapi = (await api(paid.server.url, 'GET', '/openapi.json')).body;
});
afterAll(async () => {
  await paid?.close();
  await stripe?.close();
});

describe('OpenAPI discovery', () => {
  it('passes the mppx discovery validator without errors', () => {
    expect(validate(openapi).filter((issue) => issue.severity === 'error')).toEqual([]);
  });

  it('has x-service-info at the root', () => {
    expect(openapi['x-service-info']).toMatchObject({
      docs: { llms: '/llms.txt', apiReference: '/openapi.json' },
      receipts: { jwks: '/.well-known/jwks.json' },
      quotes: { endpoint: 'POST /campaigns/quote', header: 'iris-quote' },
    });
  });

  it('offers on campaigns.create equal the live 402 challenge, with a documented 402', async () => {
    const create = openapi.paths['/campaigns'].post;
    expect(create.responses['402']).toBeDefined();
    const offers = create['x-payment-info'].offers;
    const challenge = await api(paid.server.url, 'POST', '/campaigns', { body });
    expect(challenge.status).toBe(402);
    const accepts = decodePaymentRequiredHeader(challenge.headers.get('payment-required') ?? '').accepts;
    expect(offers).toEqual([
      expect.objectContaining({
        intent: 'charge',
        method: 'x402',
        amount: accepts[0]?.amount,
        currency: 'USDC',
      }),
      expect.objectContaining({
        intent: 'charge',
        method: 'stripe',
        amount: String(challenge.body.mpp.amount_cents),
        currency: challenge.body.mpp.currency,
      }),
    ]);
    expect(challenge.headers.get('www-authenticate')).toContain(`price_cents=${offers[1].amount}`);
    expect(create['x-payment-info'].credits).toBe(1);
  });

  it('offers on credits.purchase equal its challenge; free operations carry none', async () => {
    const purchase = openapi.paths['/agent/credits'].post;
    const challenge = await api(paid.server.url, 'POST', '/agent/credits', { body: { pack: 'pack_5' } });
    expect(challenge.status).toBe(402);
    expect(purchase['x-payment-info'].offers).toEqual([
      expect.objectContaining({ method: 'stripe', amount: String(challenge.body.mpp.amount_cents) }),
    ]);
    expect(openapi.paths['/campaigns/quote'].post['x-payment-info']).toBeUndefined();
    expect(openapi.paths['/campaigns'].get['x-payment-info']).toBeUndefined();
  });
});

describe('/.well-known/x402', () => {
  it('lists each payable resource with the accepts of its 402 challenge', async () => {
    const listed = await api(paid.server.url, 'GET', '/.well-known/x402');
    expect(listed.status).toBe(200);
    const challenge = await api(paid.server.url, 'POST', '/campaigns', { body });
    const required = decodePaymentRequiredHeader(challenge.headers.get('payment-required') ?? '');
    expect(listed.body.resources).toEqual([
      {
        resource: required.resource.url,
        type: 'http',
        method: 'POST',
        path: '/campaigns',
        operation: 'campaigns.create',
        description: expect.any(String),
        x402Version: 2,
        accepts: required.accepts,
      },
    ]);
  });
});

describe('MCP discovery', () => {
  it('puts the OpenAPI offers in the _meta of payable tools, and none on free ones', async () => {
    const client = await connectMcp(paid.server.url);
    try {
      const { tools } = await client.listTools();
      const create = tools.find((tool) => tool.name === 'campaigns_create');
      const purchase = tools.find((tool) => tool.name === 'credits_purchase');
      expect(create?._meta?.[PAYMENT_INFO_META]).toEqual(openapi.paths['/campaigns'].post['x-payment-info']);
      expect(purchase?._meta?.[PAYMENT_INFO_META]).toEqual(
        openapi.paths['/agent/credits'].post['x-payment-info'],
      );
      const quote = tools.find((tool) => tool.name === 'campaigns_quote');
      expect(quote?._meta?.[PAYMENT_INFO_META]).toBeUndefined();
      // Listed right after the tool it prices.
      const names = tools.map((tool) => tool.name);
      expect(names.indexOf('campaigns_quote')).toBe(names.indexOf('campaigns_create') + 1);
    } finally {
      await client.close();
    }
  });
});
