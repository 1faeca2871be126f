/**
 * Buying credits with the unmodified mppx client against a local Stripe, then spending them on
 * campaigns: the challenge, the purchase, balance and history, direct payment, replays and refunds.
 */
import { eq } from 'drizzle-orm';
import { Receipt } from 'mppx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { api, jsonOf } from '../helpers/api.ts';
import { type MppServer, mppClient, newToken, startMppServer } from '../helpers/mpp-server.ts';

let mpp: MppServer;
let ip = 0;
beforeAll(async () => {
  mpp = await startMppServer();
});
afterAll(() => mpp?.close());

const campaign = { name: 'MPP outreach', objective_type: 'product_promotion', outreach_channels: ['email'] };

function post(
  client: ReturnType<typeof mppClient>,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  return client.fetch(`${mpp.server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.9.0.${++ip}`, ...headers },
    body: JSON.stringify(body),
  });
}

describe('MPP challenge', () => {
  it('joins the x402-less 402 with WWW-Authenticate: Payment and the mpp and credits objects', async () => {
    const response = await api(mpp.server.url, 'POST', '/campaigns', { body: campaign });
    expect(response.status).toBe(402);
    const header = response.headers.get('www-authenticate') ?? '';
    expect(header).toMatch(
      /^Payment id="[^"]+", realm="iris.test", method="stripe", intent="charge", request="/,
    );
    expect(header).toMatch(/challenge_id="[^"]+", price_cents=240$/);
    expect(response.body.error.message).toBe('payment required: $2.40 via Stripe (MPP)');
    expect(response.body.mpp).toMatchObject({
      method: 'stripe',
      intent: 'charge',
      currency: 'usd',
      amount_cents: 240,
      resource: 'POST /campaigns',
    });
    expect(response.body.credits).toEqual({
      purchase_endpoint: 'POST /agent/credits',
      packs: [{ id: 'pack_5', credits: 5, price_usd: '12.00' }],
    });

    const pack = await api(mpp.server.url, 'POST', '/agent/credits', { body: { pack: 'pack_5' } });
    expect(pack.status).toBe(402);
    expect(pack.headers.get('www-authenticate')).toMatch(/price_cents=1200$/);
    expect(pack.body.credits).toBeUndefined();
  });

  it('refuses an unknown pack with 400 PAYMENT_006 before any charge', async () => {
    const response = await api(mpp.server.url, 'POST', '/agent/credits', { body: { pack: 'pack_50' } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('PAYMENT_006');
  });
});

describe('credit packs', () => {
  it('buys a pack, spends its credits on campaigns, and asks for more when they run out', async () => {
    const card = `card${++ip}`;
    const client = mppClient(() => newToken(card));
    const bought = await post(client, '/agent/credits', { pack: 'pack_5' });
    const body = await jsonOf(bought);
    expect(bought.status, JSON.stringify(body)).toBe(201);
    expect(body.data).toEqual({ balance: 5, credits_added: 5, pack: 'pack_5' });
    const receipt = Receipt.deserialize(bought.headers.get('payment-receipt') ?? '');
    expect(receipt).toMatchObject({ method: 'stripe', status: 'success' });
    expect(receipt.reference).toMatch(/^pi_/);
    const key: string = body.meta.payment.agent_api_key.key;
    const charges = mpp.stripe.requests.filter(
      (r) => r.path === '/v1/payment_intents' && r.method === 'POST',
    );
    expect(charges.at(-1)?.params.amount).toBe('1200');
    expect(charges.at(-1)?.params['metadata[iris_operation]']).toBe('credits.purchase');

    const balance = await api(mpp.server.url, 'GET', '/agent/credits', { key });
    expect(balance.body.data).toEqual({ balance: 5, identity_id: body.meta.payment.identity_id });

    const stripeCalls = mpp.stripe.requests.length;
    for (let i = 0; i < 5; i++) {
      const created = await api(mpp.server.url, 'POST', '/campaigns', {
        key,
        body: { ...campaign, name: `credit ${i}` },
      });
      expect(created.status, created.text).toBe(201);
      expect(created.body.data.status).toBe('active');
      expect(created.body.meta.payment).toMatchObject({ rail: 'mpp', credits_spent: 1, balance: 4 - i });
    }
    expect(mpp.stripe.requests.length).toBe(stripeCalls);

    const out = await api(mpp.server.url, 'POST', '/campaigns', { key, body: campaign });
    expect(out.status).toBe(402);
    expect(out.body.error.code).toBe('PAYMENT_005');
    expect(out.body.credits.purchase_endpoint).toBe('POST /agent/credits');

    const history = await api(mpp.server.url, 'GET', '/agent/credits/history', { key });
    expect(history.body.data.map((e: { kind: string }) => e.kind)).toEqual([
      'debit',
      'debit',
      'debit',
      'debit',
      'debit',
      'purchase',
    ]);
    expect(history.body.data[0].balance_after).toBe(0);
    const list = await api(mpp.server.url, 'GET', '/campaigns', { key });
    expect(list.body.data).toHaveLength(5);
  });

  it('pays a campaign directly with a credential for its price when there are no credits', async () => {
    const client = mppClient(() => newToken(`direct${++ip}`));
    const response = await post(client, '/campaigns', campaign);
    const body = await jsonOf(response);
    expect(response.status, JSON.stringify(body)).toBe(201);
    expect(body.data.status).toBe('active');
    expect(body.meta.payment).toMatchObject({ rail: 'mpp' });
    expect(body.meta.payment.agent_api_key.key).toMatch(/^is_live_/);
    expect(response.headers.get('payment-receipt')).toBeTruthy();
    const [row] = await mpp.server.services.db.select().from(campaigns).where(eq(campaigns.id, body.data.id));
    expect(row?.status).toBe('active');
  });

  it('answers a declined card with 402 BILLING_004 and books nothing', async () => {
    const client = mppClient(() => newToken('decline'));
    const response = await post(client, '/agent/credits', { pack: 'pack_5' });
    const body = await jsonOf(response);
    expect(response.status).toBe(402);
    expect(body.error.code).toBe('BILLING_004');
  });
});
