/**
 * X402_FACILITATOR_URL: verification and settlement go to a facilitator over the x402 HTTP API (here a
 * local one built from the stock facilitator on the same anvil chain); refusals keep their reasons and
 * the pay-and-create guarantees hold.
 */
import { count } from 'drizzle-orm';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { type LocalChain, newPayer, startLocalChain } from '../../tools/chain/local-chain.ts';
import { api } from '../helpers/api.ts';
import { type FacilitatorServer, startFacilitatorServer } from '../helpers/facilitator-server.ts';
import { PRICE_ATOMIC, signAuthorization, v1Header } from '../helpers/paid-server.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let chain: LocalChain;
let facilitator: FacilitatorServer;
let server: TestServer;
const payTo = privateKeyToAccount(generatePrivateKey()).address;

beforeAll(async () => {
  chain = await startLocalChain();
  facilitator = await startFacilitatorServer(chain, chain.accounts[6]?.privateKey as `0x${string}`);
  server = await startTestServer({
    X402_PAY_TO: payTo,
    X402_FACILITATOR_URL: facilitator.url,
    X402_RPC_URL: chain.rpcUrl,
    X402_RECONCILE_INTERVAL_MS: '3600000',
  });
});
afterAll(async () => {
  await server?.close();
  await facilitator?.close();
  await chain?.stop();
});

const body = { name: 'via facilitator', objective_type: 'product_promotion' };

describe('remote facilitator', () => {
  it('pays through the facilitator and replays without calling it again', async () => {
    const payer = await newPayer(chain, 10_000_000n);
    const header = v1Header(await signAuthorization(payer.account, { to: payTo }));
    const response = await api(server.url, 'POST', '/campaigns', { headers: { 'x-payment': header }, body });
    expect(response.status, response.text).toBe(201);
    expect(response.body.data.status).toBe('active');
    expect(facilitator.calls).toEqual({ verify: 1, settle: 1 });
    expect(await chain.balanceOf(payTo)).toBe(PRICE_ATOMIC);

    const replay = await api(server.url, 'POST', '/campaigns', { headers: { 'x-payment': header }, body });
    expect(replay.status).toBe(201);
    expect(replay.body.data.id).toBe(response.body.data.id);
    expect(facilitator.calls).toEqual({ verify: 1, settle: 1 });
  });

  it('passes the facilitator refusal reason on, creating nothing', async () => {
    const payer = await newPayer(chain, 1_000_000n);
    const [before] = await server.services.db.select({ n: count() }).from(campaigns);
    const response = await api(server.url, 'POST', '/campaigns', {
      headers: { 'x-payment': v1Header(await signAuthorization(payer.account, { to: payTo })) },
      body,
    });
    expect(response.status, response.text).toBe(402);
    expect(response.body.error.code).toBe('PAYMENT_002');
    expect(response.body.x402.error).toBe('invalid_exact_evm_insufficient_balance');
    const [after] = await server.services.db.select({ n: count() }).from(campaigns);
    expect(after?.n).toBe(before?.n);
  });

  it('answers 503 when the facilitator is down', async () => {
    const down = await startTestServer({
      X402_PAY_TO: payTo,
      X402_FACILITATOR_URL: 'http://127.0.0.1:9',
      X402_RPC_URL: chain.rpcUrl,
    });
    try {
      const payer = await newPayer(chain, 10_000_000n);
      const response = await api(down.url, 'POST', '/campaigns', {
        headers: { 'x-payment': v1Header(await signAuthorization(payer.account, { to: payTo })) },
        body,
      });
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe('SERVER_009');
    } finally {
      await down.close();
    }
  });
});
