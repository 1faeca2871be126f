/**
 * The chain failing an x402 payment after its reservation (issue 18): the RPC answering HTTP 500, a
 * JSON-RPC error or nothing at all, on the broadcast itself or between broadcast and receipt, only
 * sometimes, and a transfer that really reverts on chain. A real server (in process, its own database on
 * the suite's PostgreSQL; a second one waiting longer for receipts where a revert must be mined while a
 * request waits) settles on the local anvil chain with real USDC through a JSON-RPC proxy the test
 * switches per method (rpc-proxy.ts); the reconciler runs when the test says, on the server's test
 * clock. Expected: only documented answers (201, 202 pending, 402, 503), never a 201 without the
 * transfer; after the RPC recovers, per authorization exactly one active campaign, its payment row and
 * one transfer on chain, or no campaign and the payer charged nothing; a resend never transfers twice;
 * nothing left `reserved` or `submitted`.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { type Address, type Hex, parseAbi, parseAbiItem, parseGwei } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { payments, x402Authorizations } from '../../db/schema-payments.ts';
import type { X402Rail } from '../../payments/x402/x402-rail.ts';
import { type LocalChain, newPayer, type Payer, startLocalChain } from '../../tools/chain/local-chain.ts';
import { type ApiResponse, api } from '../helpers/api.ts';
import { PRICE_ATOMIC, signAuthorization, v1Header } from '../helpers/paid-server.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { type RpcFault, type RpcProxy, startRpcProxy } from './rpc-proxy.ts';

const BALANCE = 10_000_000n;
const SETTLE_TIMEOUT_MS = 2_000;
/** The rail's lease (x402-rail.ts): a request's hold on its row, after which the reconciler may take it. */
const LEASE_MS = 2 * SETTLE_TIMEOUT_MS + 1_000;
/** The server's viem clients give up on an unanswered call after 10 s (settler.ts). */
const RPC_TIMEOUT_MS = 10_000;

/** A paid campaign's statuses once activated (the campaign then runs on: it may complete meanwhile). */
const WENT_LIVE = ['active', 'paused', 'completed'];

const AUTHORIZATION_USED = parseAbiItem(
  'event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)',
);
const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');
const ERC20 = parseAbi(['function transfer(address to, uint256 value) returns (bool)']);

let chain: LocalChain;
let proxy: RpcProxy;
let server: TestServer;
/** A second server on the same chain whose requests wait a minute for a receipt (a settler of its own). */
let patient: TestServer;
let payTo: Address;
let settler: Address;
let ip = 0;

beforeAll(async () => {
  chain = await startLocalChain();
  proxy = await startRpcProxy(chain.rpcUrl);
  payTo = privateKeyToAccount(generatePrivateKey()).address;
  const account = chain.accounts[1];
  if (!account) throw new Error('anvil has no second account');
  settler = account.address;
  const patientSettler = chain.accounts[2];
  if (!patientSettler) throw new Error('anvil has no third account');
  const settings = { X402_PAY_TO: payTo, X402_RPC_URL: proxy.url, X402_RECONCILE_INTERVAL_MS: '3600000' };
  server = await startTestServer({
    ...settings,
    X402_SETTLER_PRIVATE_KEY: account.privateKey,
    X402_SETTLE_TIMEOUT_MS: String(SETTLE_TIMEOUT_MS),
  });
  patient = await startTestServer({
    ...settings,
    X402_SETTLER_PRIVATE_KEY: patientSettler.privateKey,
    X402_SETTLE_TIMEOUT_MS: '60000',
  });
});

afterAll(async () => {
  await server?.close();
  await patient?.close();
  await proxy?.close();
  await chain?.stop();
});

const rail = () => server.services.payments?.rails.find((r) => r.name === 'x402') as X402Rail;

/** One signed payment of the price to `on`, by a fresh payer holding BALANCE, for a campaign `name`. */
interface Paid {
  on: TestServer;
  name: string;
  payer: Payer;
  nonce: Hex;
  header: string;
}
const everyPayment: Paid[] = [];

async function pay(name: string, on = server): Promise<Paid> {
  const payer = await newPayer(chain, BALANCE);
  // Valid for five minutes of the server's clock, which the test moves forward (leases, expiry).
  const validBefore = BigInt(Math.floor(on.services.clock().getTime() / 1000) + 300);
  const signed = await signAuthorization(payer.account, { to: payTo, validBefore });
  const paid = { on, name, payer, nonce: signed.authorization.nonce, header: v1Header(signed) };
  everyPayment.push(paid);
  return paid;
}

function post(paid: Paid): Promise<ApiResponse> {
  return api(paid.on.url, 'POST', '/campaigns', {
    headers: { 'x-payment': paid.header, 'x-forwarded-for': `10.18.2.${++ip}` },
    body: { name: paid.name, objective_type: 'product_promotion' },
  });
}

/** A documented error: the catalogue code and its status, and nothing else. */
function expectError(response: ApiResponse, status: number, code: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.body.error.code).toBe(code);
}

async function rowsOf(paid: Paid) {
  return paid.on.services.db
    .select()
    .from(x402Authorizations)
    .where(
      and(
        eq(x402Authorizations.payer, paid.payer.address),
        eq(x402Authorizations.nonce, paid.nonce.toLowerCase()),
      ),
    );
}

async function statesOf(paid: Paid): Promise<string[]> {
  return (await rowsOf(paid)).map((row) => row.state);
}

async function campaignsOf(paid: Paid) {
  return paid.on.services.db
    .select({ id: campaigns.id, status: campaigns.status })
    .from(campaigns)
    .where(and(eq(campaigns.name, paid.name), isNull(campaigns.deletedAt)));
}

async function usedOnChain(paid: Paid): Promise<number> {
  const logs = await chain.publicClient.getLogs({
    address: chain.usdc,
    event: AUTHORIZATION_USED,
    args: { authorizer: paid.payer.address, nonce: paid.nonce },
    fromBlock: 0n,
  });
  return logs.length;
}

async function transfersToPayTo(paid: Paid): Promise<number> {
  const logs = await chain.publicClient.getLogs({
    address: chain.usdc,
    event: TRANSFER,
    args: { from: paid.payer.address, to: payTo },
    fromBlock: 0n,
  });
  return logs.length;
}

/** Past every lease, then one reconciler pass. */
async function reconcile(): Promise<number> {
  server.advance(LEASE_MS + 1_000);
  return rail().reconciler.runOnce();
}

/**
 * How a payment ended, checked whole: settled (one row, settled; its campaign live; its payment row
 * with the row's transaction; one transfer; the payer charged the price once) or nothing (no row, no
 * campaign, no transfer; `balance` still the payer's).
 */
async function expectEnded(paid: Paid, end: 'settled' | 'nothing', balance = BALANCE): Promise<void> {
  const rows = await rowsOf(paid);
  if (end === 'nothing') {
    expect(rows).toEqual([]);
    expect(await campaignsOf(paid)).toEqual([]);
    expect(await usedOnChain(paid)).toBe(0);
    expect(await transfersToPayTo(paid)).toBe(0);
    expect(await chain.balanceOf(paid.payer.address)).toBe(balance);
    return;
  }
  expect(rows.map((row) => row.state)).toEqual(['settled']);
  const [row] = rows;
  const found = await campaignsOf(paid);
  expect(found.map((c) => c.id)).toEqual([row?.resourceId]);
  expect(WENT_LIVE).toContain(found[0]?.status);
  const recorded = await paid.on.services.db
    .select({ reference: payments.reference, campaignId: payments.campaignId })
    .from(payments)
    .where(eq(payments.authorizationId, row?.id as string));
  expect(recorded).toEqual([{ reference: row?.txHash, campaignId: row?.resourceId }]);
  expect(await usedOnChain(paid)).toBe(1);
  expect(await transfersToPayTo(paid)).toBe(1);
  expect(await chain.balanceOf(paid.payer.address)).toBe(BALANCE - PRICE_ATOMIC);
}

/** The payer retries with the same signed payment: the active campaign, without a second transfer. */
async function resendGets201(paid: Paid): Promise<void> {
  const again = await post(paid);
  expect(again.status, again.text).toBe(201);
  expect(again.body.data).toMatchObject({ name: paid.name, status: 'active' });
  expect(again.body.meta.payment.status).toBe('settled');
  await expectEnded(paid, 'settled');
}

/** Runs `work` with mining held off; mining is back on (and what waits is mined) afterwards. */
async function withoutMining<T>(work: () => Promise<T>): Promise<T> {
  await chain.setAutomine(false);
  try {
    return await work();
  } finally {
    await chain.setAutomine(true);
    await chain.mine();
  }
}

describe('the broadcast fails after the reservation', () => {
  const refused: [string, RpcFault][] = [
    ['HTTP 500, the node never sees it', 'http500'],
    ['a JSON-RPC error, the node never sees it', 'rpcError'],
  ];
  it.each(refused)(
    '%s: 503, nothing sent; kept for the payer, whose resend settles once',
    async (_, fault) => {
      const paid = await pay(`broadcast ${fault}`);
      proxy.set('eth_sendRawTransaction', fault);
      const first = await post(paid);
      proxy.heal();
      expectError(first, 503, 'SERVER_009');
      expect(await statesOf(paid)).toEqual(['reserved']);
      expect((await campaignsOf(paid)).map((c) => c.status)).toEqual(['pending_payment']);
      expect(await usedOnChain(paid)).toBe(0);

      // Nothing moved and the authorization is still valid: the reconciler keeps it for the payer.
      await reconcile();
      expect(await statesOf(paid)).toEqual(['reserved']);
      await resendGets201(paid);
    },
  );

  const accepted: [string, RpcFault][] = [
    ['the node takes it, then answers HTTP 500', 'forwardThen500'],
    ['the node takes it, then answers a JSON-RPC error', 'forwardThenRpcError'],
  ];
  it.each(accepted)(
    '%s (not mined yet): 503, then the reconciler settles it from the chain',
    async (_, fault) => {
      const paid = await pay(`accepted ${fault}`);
      proxy.set('eth_sendRawTransaction', fault);
      await withoutMining(async () => {
        const first = await post(paid);
        proxy.heal();
        // The transfer waits in the mempool, where the chain's state does not show it yet.
        expectError(first, 503, 'SERVER_009');
        expect(await statesOf(paid)).toEqual(['reserved']);
        expect(await usedOnChain(paid)).toBe(0);
      });
      await reconcile();
      await expectEnded(paid, 'settled');
      await resendGets201(paid);
    },
  );

  it('a resend while the first transfer waits in the mempool: 503 again, nothing sent twice', async () => {
    const paid = await pay('resent while pending');
    const sent = () => chain.publicClient.getTransactionCount({ address: settler, blockTag: 'pending' });
    proxy.set('eth_sendRawTransaction', 'forwardThenRpcError');
    await withoutMining(async () => {
      const before = await sent();
      expectError(await post(paid), 503, 'SERVER_009');
      proxy.heal();
      // While the first request's lease runs, the resend waits its turn.
      expectError(await post(paid), 409, 'SERVER_016');
      server.advance(LEASE_MS + 1_000);
      // The chain shows the authorization unused as mined, used in the mempool: not final either way.
      expectError(await post(paid), 503, 'SERVER_009');
      expect(await statesOf(paid)).toEqual(['reserved']);
      expect(await sent()).toBe(before + 1);
    });
    await reconcile();
    await expectEnded(paid, 'settled');
    await resendGets201(paid);
  });

  it(
    `no answer, the node never sees it: 503 after the RPC timeout; expired, it is let go`,
    async () => {
      const paid = await pay('broadcast hangs');
      proxy.set('eth_sendRawTransaction', 'hang');
      const held = proxy.nextHeld('eth_sendRawTransaction');
      const answer = post(paid);
      await held;
      proxy.heal();
      expectError(await answer, 503, 'SERVER_009');
      expect(await statesOf(paid)).toEqual(['reserved']);
      expect(await usedOnChain(paid)).toBe(0);

      // The payer never comes back: once its authorization has expired the reconciler gives it up.
      server.advance(10 * 60_000);
      await rail().reconciler.runOnce();
      await expectEnded(paid, 'nothing');
    },
    3 * RPC_TIMEOUT_MS,
  );

  it(
    'the node takes it, the answer never comes: 503 after the RPC timeout, then settled',
    async () => {
      const paid = await pay('broadcast answer lost');
      proxy.set('eth_sendRawTransaction', 'forwardThenHang');
      const held = proxy.nextHeld('eth_sendRawTransaction');
      const answer = post(paid);
      await held;
      proxy.heal();
      expectError(await answer, 503, 'SERVER_009');
      expect(await statesOf(paid)).toEqual(['reserved']);
      expect(await usedOnChain(paid)).toBe(1);
      await reconcile();
      await expectEnded(paid, 'settled');
      await resendGets201(paid);
    },
    3 * RPC_TIMEOUT_MS,
  );
});

describe('the receipt cannot be read', () => {
  const faults: [string, RpcFault][] = [
    ['HTTP 500', 'http500'],
    ['a JSON-RPC error', 'rpcError'],
    ['no answer', 'hang'],
  ];
  it.each(faults)(
    '%s: 202 pending at the settle timeout; settled once the RPC recovers',
    async (_, fault) => {
      const paid = await pay(`receipt ${fault}`);
      proxy.set('eth_getTransactionReceipt', fault);
      const pending = await post(paid);
      expect(pending.status, pending.text).toBe(202);
      expect(pending.body.data).toMatchObject({ name: paid.name, status: 'pending_payment' });
      expect(pending.body.meta.payment.status).toBe('pending');
      // Answered at the settle timeout, not the RPC client's: a look the node never answers is still open.
      if (fault === 'hang') expect(proxy.hanging('eth_getTransactionReceipt')).toBeGreaterThan(0);
      const [row] = await rowsOf(paid);
      expect(row).toMatchObject({ state: 'submitted', txHash: pending.body.meta.payment.transaction });
      expect(pending.headers.get('location')).toBe(`/payments/${row?.id}`);
      const status = await api(server.url, 'GET', `/payments/${row?.id}`, { key: server.adminKey });
      expect(status.body.data).toMatchObject({ status: 'settling', reference: row?.txHash });

      // While the RPC still fails, the reconciler leaves it as it is.
      await reconcile();
      expect(await statesOf(paid)).toEqual(['submitted']);
      expect((await campaignsOf(paid)).map((c) => c.status)).toEqual(['pending_payment']);

      proxy.heal();
      // A receipt look made during a stall is joined by later ones (viem shares an identical call in
      // flight) until the RPC client's own timeout ends it: passes until then find it pending still.
      await vi.waitFor(
        async () => {
          await reconcile();
          expect(await statesOf(paid)).toEqual(['settled']);
        },
        { timeout: 3 * RPC_TIMEOUT_MS, interval: 100 },
      );
      await expectEnded(paid, 'settled');
      const settled = await api(server.url, 'GET', `/payments/${row?.id}`, { key: server.adminKey });
      expect(settled.body.data).toMatchObject({ status: 'settled', reference: row?.txHash });
      await resendGets201(paid);
    },
    5 * RPC_TIMEOUT_MS,
  );
});

describe('an RPC that fails only sometimes', () => {
  it('every third call fails, across six paid creates: documented answers, each paid once', async () => {
    const batch: { paid: Paid; answer: ApiResponse }[] = [];
    const seen = proxy.calls.length;
    // A paid create makes about a dozen calls: shifting which ones fail puts each in the way once.
    for (const fault of ['http500', 'rpcError'] as const) {
      for (const shift of [0, 1, 2]) {
        const paid = await pay(`sometimes ${fault} ${shift}`);
        proxy.failEvery(3, fault, shift);
        const answer = await post(paid);
        proxy.heal();
        batch.push({ paid, answer });
      }
    }
    // Failures fell after the reservation too: on the broadcast and on the receipt.
    const failed = new Set(proxy.calls.slice(seen).flatMap((c) => (c.fault === 'pass' ? [] : [c.method])));
    expect(failed).toContain('eth_sendRawTransaction');
    expect(failed).toContain('eth_getTransactionReceipt');
    for (const { paid, answer } of batch) {
      expect([201, 202, 402, 503], answer.text).toContain(answer.status);
      if (answer.status === 201) await expectEnded(paid, 'settled');
      if (answer.status === 202) expect(answer.body.data.status).toBe('pending_payment');
      if (answer.status === 402) {
        // Refused before anything was reserved (a check the node could not run answered as failed).
        expect(answer.body.error.code).toBe('PAYMENT_002');
        expect(await rowsOf(paid)).toEqual([]);
      }
      if (answer.status === 503) expect(answer.body.error.code).toBe('SERVER_009');
      // Never a campaign live before its transfer is mined.
      if ((await campaignsOf(paid)).some((c) => c.status !== 'pending_payment')) {
        expect(await usedOnChain(paid)).toBe(1);
      }
    }
    await reconcile();
    for (const { paid } of batch) await resendGets201(paid);
  });
});

describe('a transfer that reverts on chain', () => {
  /**
   * The payer moves its whole balance away, outbidding the settlement in the same block (a payer never
   * pays gas for EIP-3009, so it is given some first, with `fund`).
   */
  const fund = (paid: Paid) => chain.fund(paid.payer.address, 10n ** 18n);
  async function drain(paid: Paid): Promise<void> {
    const sink = privateKeyToAccount(generatePrivateKey()).address;
    await chain.walletClient.writeContract({
      account: paid.payer.account,
      chain: chain.chain,
      address: chain.usdc,
      abi: ERC20,
      functionName: 'transfer',
      args: [sink, BALANCE],
      gas: 100_000n,
      maxPriorityFeePerGas: parseGwei('50'),
      maxFeePerGas: parseGwei('100'),
    });
  }

  async function submitted(paid: Paid) {
    return vi.waitFor(
      async () => {
        const [row] = await rowsOf(paid);
        if (row?.state !== 'submitted') throw new Error(`authorization ${row?.state}`);
        return row;
      },
      { timeout: 5_000, interval: 20 },
    );
  }

  async function reverted(hash: string): Promise<void> {
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: hash as Hex });
    expect(receipt.status).toBe('reverted');
  }

  it('mined while the request waits: 402, no campaign, nothing charged', async () => {
    // On the server that waits a minute for a receipt: the request is still waiting when it is mined.
    const paid = await pay('reverts in the request', patient);
    await fund(paid);
    const payToBefore = await chain.balanceOf(payTo);
    const response = await withoutMining(async () => {
      const answer = post(paid);
      const row = await submitted(paid);
      await drain(paid);
      await chain.mine();
      await reverted(row.txHash as string);
      return answer;
    });
    expectError(response, 402, 'PAYMENT_002');
    expect(response.body.x402.error).toMatch(/^invalid_exact_evm_/);
    await expectEnded(paid, 'nothing', 0n);
    expect(await chain.balanceOf(payTo)).toBe(payToBefore);
  });

  it('mined after a 202: the reconciler lets it go, payments.get and a resend say it failed', async () => {
    const paid = await pay('reverts after a 202');
    await fund(paid);
    const payToBefore = await chain.balanceOf(payTo);
    const pending = await withoutMining(async () => {
      const answer = await post(paid);
      expect(answer.status, answer.text).toBe(202);
      await drain(paid);
      return answer;
    });
    await reverted(pending.body.meta.payment.transaction);
    const id = pending.body.meta.payment.payment_id as string;
    await reconcile();
    await expectEnded(paid, 'nothing', 0n);
    expect(await chain.balanceOf(payTo)).toBe(payToBefore);
    // Abandoned rows go (the authorization stays the payer's): the payment is no longer known, and the
    // same payment sent again is refused for what it is now, an authorization without the funds.
    const status = await api(server.url, 'GET', `/payments/${id}`, { key: server.adminKey });
    expectError(status, 404, 'SERVER_003');
    const again = await post(paid);
    expectError(again, 402, 'PAYMENT_002');
    expect(again.body.x402.error).toBe('invalid_exact_evm_insufficient_balance');
    expect(await rowsOf(paid)).toEqual([]);
  });
});

describe('afterwards', () => {
  it('leaves nothing reserved or submitted, no campaign waiting, and at most one transfer each', async () => {
    for (const on of [server, patient]) {
      const open = await on.services.db
        .select({ id: x402Authorizations.id, state: x402Authorizations.state })
        .from(x402Authorizations)
        .where(sql`${x402Authorizations.state} in ('reserved', 'submitted')`);
      expect(open).toEqual([]);
      const waiting = await on.services.db
        .select({ id: campaigns.id })
        .from(campaigns)
        .where(eq(campaigns.status, 'pending_payment'));
      expect(waiting).toEqual([]);
    }
    for (const paid of everyPayment) {
      const used = await usedOnChain(paid);
      expect(used, paid.name).toBeLessThanOrEqual(1);
      expect(await transfersToPayTo(paid), paid.name).toBe(used);
      // Money moved exactly when a campaign went live for it (no refund is owed in these cases); a
      // live campaign may have run on since (its status moves on), a waiting one would be seen above.
      expect((await campaignsOf(paid)).length, paid.name).toBe(used);
    }
  });
});
