/**
 * Paying over MCP with MPP (Stripe, against the local Stripe server) using mppx's own MCP client: the
 * unpaid call carries the challenge in `_meta["org.paymentauth/payment-required"]`, the wrapped SDK
 * client answers with `_meta["org.paymentauth/credential"]`, and the receipt comes back in `_meta`.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { stripe } from 'mppx/client';
import { McpClient } from 'mppx/mcp/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.ts';
import { type MppServer, newToken, startMppServer } from '../helpers/mpp-server.ts';
import { structured } from './mcp-client.ts';

let mpp: MppServer;
beforeAll(async () => {
  mpp = await startMppServer();
});
afterAll(() => mpp?.close());

async function connect(): Promise<Client> {
  const client = new Client({ name: 'mpp-agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${mpp.server.url}/mcp`)));
  await client.listTools();
  return client;
}

describe('MPP over MCP', () => {
  it('puts the challenge in the unpaid result, next to the x402-less offer', async () => {
    const client = await connect();
    const result = await client.callTool({ name: 'credits_purchase', arguments: { pack: 'pack_5' } });
    expect(result.isError).toBe(true);
    expect(structured(result)).toMatchObject({
      code: 'PAYMENT_001',
      mpp: { method: 'stripe', intent: 'charge' },
    });
    const required = result._meta?.['org.paymentauth/payment-required'] as {
      httpStatus: number;
      challenges: { method: string; intent: string; realm: string; request: Record<string, unknown> }[];
    };
    expect(required.httpStatus).toBe(402);
    expect(required.challenges).toHaveLength(1);
    expect(required.challenges[0]).toMatchObject({ method: 'stripe', intent: 'charge', realm: 'iris.test' });
    expect(required.challenges[0]?.request).toMatchObject({ amount: '1200', currency: 'usd' });
    await client.close();
  });

  it("buys a credit pack and a campaign with mppx's MCP client; the receipt comes back in _meta", async () => {
    const client = await connect();
    const card = `mcpcard${Date.now()}`;
    McpClient.wrap(client, {
      methods: [stripe({ paymentMethod: 'pm_card_visa', createToken: async () => newToken(card) })],
    });
    const bought = await client.callTool({ name: 'credits_purchase', arguments: { pack: 'pack_5' } });
    expect(bought.isError, JSON.stringify(bought)).toBeUndefined();
    const { data, meta } = structured(bought);
    expect(data).toEqual({ balance: 5, credits_added: 5, pack: 'pack_5' });
    const receipt = bought._meta?.['org.paymentauth/receipt'] as Record<string, unknown>;
    expect(receipt).toMatchObject({ status: 'success', method: 'stripe' });
    expect(receipt.reference).toMatch(/^pi_/);

    const key: string = meta.payment.agent_api_key.key;
    const balance = await api(mpp.server.url, 'GET', '/agent/credits', { key });
    expect(balance.body.data.balance).toBe(5);

    // Paid directly with a new card (the agent key is not sent here): one more PaymentIntent.
    const intents = mpp.stripe.requests.length;
    const created = await client.callTool({
      name: 'campaigns_create',
      arguments: { name: 'MPP over MCP', objective_type: 'product_promotion', outreach_channels: ['email'] },
    });
    expect(created.isError, JSON.stringify(created)).toBeUndefined();
    expect(structured(created).data).toMatchObject({ name: 'MPP over MCP' });
    expect(created._meta?.['org.paymentauth/receipt']).toMatchObject({ status: 'success' });
    expect(mpp.stripe.requests.length).toBeGreaterThan(intents);
    await client.close();
  });
});
