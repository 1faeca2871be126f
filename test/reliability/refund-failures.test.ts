/**
 * An x402 refund whose send fails after the node took the transaction (issue 18): the RPC answers the
 * refund's eth_sendRawTransaction with a JSON-RPC error although the node accepted it. The refund must
 * not be owed again (a later pass would send the USDC back a second time): it stays `sending` for a
 * person to check, and the payer gets the price back exactly once.
 */
import { eq } from 'drizzle-orm';
import { type Address, parseAbiItem } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { paymentRefunds, payments, x402Authorizations } from '../../db/schema-payments.ts';
import { settleRefund } from '../../payments/x402/refunds.ts';
import type { X402Rail } from '../../payments/x402/x402-rail.ts';
import { type LocalChain, newPayer, startLocalChain } from '../../tools/chain/local-chain.ts';
import { api } from '../helpers/api.ts';
import { PRICE_ATOMIC, signAuthorization, v1Header } from '../helpers/paid-server.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { type RpcProxy, startRpcProxy } from './rpc-proxy.ts';

const BALANCE = 10_000_000n;
const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');

let chain: LocalChain;
let proxy: RpcProxy;
let server: TestServer;
let payTo: Address;
let refundWallet: Address;

beforeAll(async () => {
  chain = await startLocalChain();
  proxy = await startRpcProxy(chain.rpcUrl);
  payTo = privateKeyToAccount(generatePrivateKey()).address;
  const [, settler, refunder] = chain.accounts;
  if (!settler || !refunder) throw new Error('anvil has too few accounts');
  refundWallet = refunder.address;
  await chain.mint(refundWallet, 100_000_000n);
  server = await startTestServer({
    X402_PAY_TO: payTo,
    X402_RPC_URL: proxy.url,
    X402_SETTLER_PRIVATE_KEY: settler.privateKey,
    X402_REFUND_PRIVATE_KEY: refunder.privateKey,
    X402_SETTLE_TIMEOUT_MS: '5000',
    X402_RECONCILE_INTERVAL_MS: '3600000',
  });
});

afterAll(async () => {
  await chain?.setAutomine(true);
  await server?.close();
  await proxy?.close();
  await chain?.stop();
});

describe('an x402 refund whose send fails after the node took it', () => {
  it('stays sending, is never sent again, and the payer is refunded once', async () => {
    const payer = await newPayer(chain, BALANCE);
    const header = v1Header(await signAuthorization(payer.account, { to: payTo }));
    await chain.setAutomine(false);
    const answer = api(server.url, 'POST', '/campaigns', {
      headers: { 'x-payment': header },
      body: { name: 'refunded', objective_type: 'product_promotion' },
    });
    const row = await vi.waitFor(
      async () => {
        const [found] = await server.services.db
          .select()
          .from(x402Authorizations)
          .where(eq(x402Authorizations.payer, payer.address));
        if (found?.state !== 'submitted') throw new Error('not submitted yet');
        return found;
      },
      { timeout: 10_000, interval: 20 },
    );
    // What the payment bought is gone before it settles: the price must go back. The node takes the
    // refund's transaction but its answer is an error.
    await server.services.db.delete(campaigns).where(eq(campaigns.id, row.resourceId as string));
    proxy.set('eth_sendRawTransaction', 'forwardThenRpcError');
    await chain.mine();
    const response = await answer;
    expect([response.status, response.body.error.code]).toEqual([500, 'PAYMENT_004']);
    proxy.set('eth_sendRawTransaction', 'pass');
    await chain.setAutomine(true);
    await chain.mine();

    const refundOf = async () => {
      const [found] = await server.services.db
        .select({ refund: paymentRefunds })
        .from(paymentRefunds)
        .innerJoin(payments, eq(paymentRefunds.paymentId, payments.id))
        .where(eq(payments.authorizationId, row.id));
      return found?.refund;
    };
    expect((await refundOf())?.state).toBe('sending');
    // Later passes (the reconciler's) leave it alone: the transaction the node took may be mined.
    expect((await settleRefund(rail().deps, row.id)).state).toBe('owed');
    await rail().reconciler?.runOnce();
    expect((await refundOf())?.state).toBe('sending');

    // The one refund the node took was mined: the payer has the price back, once.
    expect(await chain.balanceOf(payer.address)).toBe(BALANCE);
    const refunds = await chain.publicClient.getLogs({
      address: chain.usdc,
      event: TRANSFER,
      args: { from: refundWallet, to: payer.address },
      fromBlock: 0n,
    });
    expect(refunds.map((log) => log.args.value)).toEqual([PRICE_ATOMIC]);
  });
});

const rail = () => server.services.payments?.rails.find((r) => r.name === 'x402') as X402Rail;
