/**
 * Paying for a campaign with x402 on a local Base chain with real USDC: the challenge, a paid create
 * with the stock @x402/fetch client, replays, the agent key, and a hand-built v1 client.
 */
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { jobs } from '../../db/schema-jobs.ts';
import { payments } from '../../db/schema-payments.ts';
import { api } from '../helpers/api.ts';
import {
  type PaidServer,
  PRICE_ATOMIC,
  signAuthorization,
  startPaidServer,
  v1Header,
  x402Fetch,
} from '../helpers/paid-server.ts';

const body = { name: 'Q2 outreach', objective_type: 'product_promotion', outreach_channels: ['email'] };

let paid: PaidServer;
beforeAll(async () => {
  paid = await startPaidServer();
});
afterAll(() => paid?.close());

function post(headers: Record<string, string>, payload: unknown = body) {
  return api(paid.server.url, 'POST', '/campaigns', { headers, body: payload });
}

describe('402 challenge', () => {
  it('answers an unpaid create with both the header and the reference body', async () => {
    const response = await post({});
    expect(response.status).toBe(402);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.body.error.code).toBe('PAYMENT_001');
    expect(response.body.error.message).toBe('payment required: $2.25 USDC (x402)');
    expect(response.body.x402).toMatchObject({
      version: 2,
      scheme: 'exact',
      network: 'eip155:8453',
      asset: 'USDC',
      amount: '2.25',
      receiver: paid.payTo,
      resource: 'POST /campaigns',
    });
    const required = decodePaymentRequiredHeader(response.headers.get('payment-required') ?? '');
    expect(required.x402Version).toBe(2);
    expect(required.accepts).toEqual([
      {
        scheme: 'exact',
        network: 'eip155:8453',
        asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
        amount: '2250000',
        payTo: paid.payTo,
        maxTimeoutSeconds: 300,
        extra: { name: 'USD Coin', version: '2' },
      },
    ]);
    expect(response.headers.get('access-control-expose-headers')).toContain('PAYMENT-REQUIRED');
  });

  it('validates the input before asking for money', async () => {
    const response = await post({}, { name: 'no objective' });
    expect(response.status).toBe(422);
  });
});

describe('paid create with @x402/fetch', () => {
  it('creates one active campaign, moves exactly 2.25 USDC, issues the agent key once', async () => {
    const payer = await paid.newPayer();
    const before = {
      payer: await paid.chain.balanceOf(payer.address),
      payTo: await paid.chain.balanceOf(paid.payTo),
    };
    const pay = x402Fetch(paid.chain, payer.account);
    const response = await pay(`${paid.server.url}/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: inspected freely
    const json: any = await response.json();
    expect(response.status, JSON.stringify(json)).toBe(201);
    expect(json.data).toMatchObject({ name: 'Q2 outreach', status: 'active' });
    const receipt = decodePaymentResponseHeader(response.headers.get('payment-response') ?? '');
    expect(receipt).toMatchObject({ success: true, network: 'eip155:8453', payer: payer.address });
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(response.headers.get('x-payment-response')).toBe(response.headers.get('payment-response'));

    expect(await paid.chain.balanceOf(payer.address)).toBe(before.payer - PRICE_ATOMIC);
    expect(await paid.chain.balanceOf(paid.payTo)).toBe(before.payTo + PRICE_ATOMIC);

    const meta = json.meta.payment;
    expect(meta).toMatchObject({ rail: 'x402', status: 'settled', payer: payer.address, amount: '2.25' });
    expect(meta.agent_api_key.key).toMatch(/^is_live_/);
    expect(meta.agent_api_key.scopes).toEqual(['read', 'write']);

    const db = paid.server.services.db;
    const ledger = await db.select().from(payments).where(eq(payments.reference, receipt.transaction));
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({
      rail: 'x402',
      amountMinor: PRICE_ATOMIC,
      campaignId: json.data.id,
      payer: payer.address,
    });
    expect(
      await db
        .select()
        .from(jobs)
        .where(eq(jobs.dedupeKey, `campaign.run:${json.data.id}`)),
    ).toHaveLength(1);

    // The agent key sees its campaign and nothing else.
    const agentKey: string = meta.agent_api_key.key;
    const own = await api(paid.server.url, 'GET', `/campaigns/${json.data.id}`, { key: agentKey });
    expect(own.status).toBe(200);
    const list = await api(paid.server.url, 'GET', '/campaigns', { key: agentKey });
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([json.data.id]);
    const owner = await api(paid.server.url, 'GET', '/campaigns?limit=100', { key: paid.server.adminKey });
    expect(owner.body.data.map((c: { id: string }) => c.id)).not.toContain(json.data.id);
    expect((await api(paid.server.url, 'GET', '/keys', { key: agentKey })).status).toBe(403);

    // A second payment by the same wallet: another campaign, no second key.
    const again = await pay(`${paid.server.url}/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, name: 'second' }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: inspected freely
    const againJson: any = await again.json();
    expect(again.status).toBe(201);
    expect(againJson.meta.payment.agent_api_key).toBeUndefined();
    expect(againJson.meta.payment.identity_id).toBe(meta.identity_id);
    const both = await api(paid.server.url, 'GET', '/campaigns', { key: agentKey });
    expect(both.body.data).toHaveLength(2);
  });
});

describe('replays', () => {
  it('returns the original response for the same authorization, moving no money', async () => {
    const payer = await paid.newPayer();
    const signed = await signAuthorization(payer.account, { to: paid.payTo });
    const header = v1Header(signed);
    const first = await post({ 'x-payment': header });
    expect(first.status, first.text).toBe(201);
    const balance = await paid.chain.balanceOf(payer.address);

    const second = await post({ 'x-payment': header });
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('payment-response')).toBe(first.headers.get('payment-response'));
    expect(await paid.chain.balanceOf(payer.address)).toBe(balance);
    const rows = await paid.server.services.db
      .select()
      .from(campaigns)
      .where(eq(campaigns.id, first.body.data.id));
    expect(rows).toHaveLength(1);

    const other = await post({ 'x-payment': header }, { ...body, name: 'something else' });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('SERVER_016');
  });
});
