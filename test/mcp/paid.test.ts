/**
 * Paying for campaigns_create over MCP on a local Base chain with real USDC (x402 MCP transport): the
 * unpaid call returns the PaymentRequired as a tool error, the retry with `_meta["x402/payment"]` creates
 * the campaign, moves exactly $2.25 and returns `_meta["x402/payment-response"]`. Never an HTTP 402.
 */
import { x402Client } from '@x402/core/client';
import { isPaymentRequired } from '@x402/core/schemas';
import type { PaymentRequired } from '@x402/core/types';
import { toClientEvmSigner } from '@x402/evm';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { api } from '../helpers/api.ts';
import { type PaidServer, PRICE_ATOMIC, signAuthorization, startPaidServer } from '../helpers/paid-server.ts';
import { connectMcp, postMcp, structured, textJson, toolCall } from './mcp-client.ts';

const campaign = { name: 'paid over MCP', objective_type: 'product_promotion', outreach_channels: ['email'] };

let paid: PaidServer;
beforeAll(async () => {
  paid = await startPaidServer();
});
afterAll(() => paid?.close());

async function unpaidCall() {
  const client = await connectMcp(paid.server.url);
  await client.listTools();
  const result = await client.callTool({ name: 'campaigns_create', arguments: campaign });
  return { client, result };
}

describe('unpaid call', () => {
  it('returns the x402 PaymentRequired and the reference offers as a tool error, over HTTP 200', async () => {
    const { client, result } = await unpaidCall();
    expect(result.isError).toBe(true);
    const content = structured(result);
    expect(isPaymentRequired(content)).toBe(true);
    expect(content).toMatchObject({
      x402Version: 2,
      code: 'PAYMENT_001',
      message: 'payment required: $2.25 USDC (x402)',
      error: 'payment required: $2.25 USDC (x402)',
      resource: { url: expect.stringMatching(/\/campaigns$/), mimeType: 'application/json' },
      accepts: [
        {
          scheme: 'exact',
          network: 'eip155:8453',
          asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
          amount: '2250000',
          payTo: paid.payTo,
          extra: { name: 'USD Coin', version: '2' },
        },
      ],
      x402: { version: 2, amount: '2.25', amount_atomic: '2250000', receiver: paid.payTo },
    });
    expect(content.requestId).toMatch(/^req_/);
    expect(textJson(result)).toEqual(content);
    // The same offer as REST's 402.
    const rest = await api(paid.server.url, 'POST', '/campaigns', { body: campaign });
    expect(rest.status).toBe(402);
    expect(rest.body.x402).toEqual(content.x402);
    await client.close();

    const raw = await postMcp(paid.server.url, toolCall('campaigns_create', campaign));
    expect(raw.status).toBe(200);
  });

  it('still answers a non-payable tool without a key with 401', async () => {
    expect((await postMcp(paid.server.url, toolCall('campaigns_list'))).status).toBe(401);
  });
});

describe('paid call', () => {
  it('creates the campaign, moves exactly 2.25 USDC and returns the settlement in _meta', async () => {
    const { client, result } = await unpaidCall();
    const accepted = structured(result).accepts[0];
    const payer = await paid.newPayer();
    const before = {
      payer: await paid.chain.balanceOf(payer.address),
      payTo: await paid.chain.balanceOf(paid.payTo),
    };
    const signed = await signAuthorization(payer.account, { to: accepted.payTo });
    const payment = { x402Version: 2, accepted, payload: signed };
    const paidResult = await client.callTool({
      name: 'campaigns_create',
      arguments: campaign,
      _meta: { 'x402/payment': payment },
    });
    expect(paidResult.isError, JSON.stringify(paidResult)).toBeUndefined();
    const { data, meta } = structured(paidResult);
    expect(data).toMatchObject({ name: 'paid over MCP', status: 'active' });
    expect(meta.payment).toMatchObject({
      rail: 'x402',
      status: 'settled',
      payer: payer.address,
      amount: '2.25',
    });
    const receipt = paidResult._meta?.['x402/payment-response'] as Record<string, unknown>;
    expect(receipt).toMatchObject({ success: true, network: 'eip155:8453', payer: payer.address });
    expect(receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/);
    expect(meta.payment.transaction).toBe(receipt.transaction);

    expect(await paid.chain.balanceOf(payer.address)).toBe(before.payer - PRICE_ATOMIC);
    expect(await paid.chain.balanceOf(paid.payTo)).toBe(before.payTo + PRICE_ATOMIC);
    const rows = await paid.server.services.db.select().from(campaigns).where(eq(campaigns.id, data.id));
    expect(rows).toHaveLength(1);
    const agentKey: string = meta.payment.agent_api_key.key;
    const own = await api(paid.server.url, 'GET', `/campaigns/${data.id}`, { key: agentKey });
    expect(own.status).toBe(200);

    // The same authorization again: the stored answer, no second transfer.
    const replay = await client.callTool({
      name: 'campaigns_create',
      arguments: campaign,
      _meta: { 'x402/payment': payment },
    });
    expect(structured(replay).data.id).toBe(data.id);
    expect(await paid.chain.balanceOf(payer.address)).toBe(before.payer - PRICE_ATOMIC);
    await client.close();
  });

  it('accepts the stock x402 client payload as a base64 string under _meta["x402.payment"]', async () => {
    const { client, result } = await unpaidCall();
    const payer = await paid.newPayer();
    const stock = new x402Client();
    registerExactEvmScheme(stock, { signer: toClientEvmSigner(payer.account, paid.chain.publicClient) });
    stock.setSpendControls({ maxAmountPerPayment: '$5' });
    const payload = await stock.createPaymentPayload(structured(result) as PaymentRequired);
    const encoded = Buffer.from(JSON.stringify(payload)).toString('base64');
    const paidResult = await client.callTool({
      name: 'campaigns_create',
      arguments: { ...campaign, name: 'stock client' },
      _meta: { 'x402.payment': encoded },
    });
    expect(paidResult.isError, JSON.stringify(paidResult)).toBeUndefined();
    expect(structured(paidResult).data).toMatchObject({ name: 'stock client', status: 'active' });
    expect(paidResult._meta?.['x402/payment-response']).toMatchObject({
      success: true,
      payer: payer.address,
    });
    await client.close();
  });

  it('answers a payment that fails verification with PAYMENT_002 and the offer again, moving nothing', async () => {
    const { client, result } = await unpaidCall();
    const accepted = structured(result).accepts[0];
    const payer = await paid.newPayer();
    const balance = await paid.chain.balanceOf(payer.address);
    const signed = await signAuthorization(payer.account, { to: accepted.payTo, value: PRICE_ATOMIC - 1n });
    const rejected = await client.callTool({
      name: 'campaigns_create',
      arguments: campaign,
      _meta: { 'x402/payment': { x402Version: 2, accepted, payload: signed } },
    });
    expect(rejected.isError).toBe(true);
    const content = structured(rejected);
    expect(content.code).toBe('PAYMENT_002');
    expect(isPaymentRequired(content)).toBe(true);
    expect(content.error).toContain('value');
    expect(await paid.chain.balanceOf(payer.address)).toBe(balance);
    await client.close();
  });
});
