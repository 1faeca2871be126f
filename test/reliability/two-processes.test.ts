/**
 * Two server processes on one PostgreSQL sharing one settler wallet, as a user scales iris out (issue 18):
 * real `src/main.ts` processes on the suite's database, the local anvil chain with Circle's USDC, one
 * settler key. 100 paid x402 creates spread over both end as 100 active campaigns with one payment each
 * and 100 transfers (no nonce collision, nothing left settling), with the reconcilers of both processes
 * idle and again with both running every 100 ms; and a process killed mid-settlement leaves its rows to the
 * other process's reconciler (and to its payers' retries there): one transfer and one campaign each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { type Address, type Hex, parseAbiItem } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalChain, newPayer, type Payer, startLocalChain } from '../../tools/chain/local-chain.ts';
import type { ApiResponse } from '../helpers/api.ts';
import { PRICE_ATOMIC, signAuthorization, v1Header } from '../helpers/paid-server.ts';
import { type ServerProcess, spawnServer } from '../helpers/spawn-server.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { inPool, type PaidCreate, payForCampaign } from './paid-load.ts';

/** The settler's send lock (payments/x402/settler.ts): class and address, as the settler takes it. */
const SEND_LOCK_CLASS = 746_921_402;
const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');
const AUTHORIZATION_USED = parseAbiItem(
  'event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)',
);
/** Requests in flight at once over both processes. */
const CONCURRENCY = 10;
const IDLE_RECONCILER_MS = 3_600_000;

let chain: LocalChain;
let database: TestDatabase;
let sql: postgres.Sql;
/** Holds the settler's send lock in the takeover case. */
let holder: postgres.Sql;
let dataDir: string;
const running = new Set<ServerProcess>();

beforeAll(async () => {
  chain = await startLocalChain();
  dataDir = mkdtempSync(join(tmpdir(), 'iris-two-processes-'));
  database = await createTestDatabase();
  sql = postgres(database.url, { max: 4, onnotice: () => {} });
  holder = postgres(database.url, { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  // The lock goes first: a server still blocked on it (a failed case) can then shut down.
  await holder?.end({ timeout: 5 });
  await Promise.all([...running].map((server) => server.stop()));
  await sql?.end({ timeout: 5 });
  await chain?.stop();
  await database?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

interface Payment {
  payer: Payer;
  nonce: Hex;
  header: string;
  name: string;
  /** Each payment comes from an address of its own (X-Forwarded-For): per-address limits never bind. */
  ip: string;
}

/** One case's money: a fresh payTo, its payers, one signed authorization per payment, and its settler. */
interface Run {
  label: string;
  payTo: Address;
  settler: { address: Address; privateKey: Hex };
  payers: Payer[];
  payments: Payment[];
  /** The settler's transaction count before the case. */
  settlerNonce: number;
}

async function newRun(label: string, settlerIndex: number, payers: number, perPayer: number): Promise<Run> {
  const settler = chain.accounts[settlerIndex];
  if (!settler) throw new Error(`anvil has no account ${settlerIndex}`);
  const payTo = privateKeyToAccount(generatePrivateKey()).address;
  const funded = await Promise.all(
    Array.from({ length: payers }, () => newPayer(chain, BigInt(perPayer) * PRICE_ATOMIC)),
  );
  const payments: Payment[] = [];
  // A payer's payments are consecutive, so the pool runs several of one payer at once on both processes.
  for (const [p, payer] of funded.entries()) {
    for (let k = 0; k < perPayer; k++) {
      const signed = await signAuthorization(payer.account, { to: payTo });
      const index = payments.length;
      payments.push({
        payer,
        nonce: signed.authorization.nonce,
        header: v1Header(signed),
        name: `${label} ${index}`,
        ip: `10.${settlerIndex}.${p}.${k + 1}`,
      });
    }
  }
  const settlerNonce = await chain.publicClient.getTransactionCount({ address: settler.address });
  return { label, payTo, settler, payers: funded, payments, settlerNonce };
}

function envFor(run: Run, reconcileIntervalMs: number): Record<string, string> {
  return {
    DATABASE_URL: database.url,
    IRIS_ENCRYPTION_KEY: 'cd'.repeat(32),
    IRIS_DATA_DIR: dataDir,
    X402_PAY_TO: run.payTo,
    X402_SETTLER_PRIVATE_KEY: run.settler.privateKey,
    X402_RPC_URL: chain.rpcUrl,
    // A receipt slower than this is answered 202 (the client resends); the lease is 2 × it + 1 s.
    X402_SETTLE_TIMEOUT_MS: '2000',
    X402_RECONCILE_INTERVAL_MS: String(reconcileIntervalMs),
  };
}

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await spawnServer(env);
  running.add(server);
  return server;
}

async function stop(server: ServerProcess): Promise<void> {
  await server.stop();
  running.delete(server);
}

function pay(server: ServerProcess, payment: Payment): Promise<PaidCreate> {
  return payForCampaign(
    server.url,
    payment.header,
    { name: payment.name, objective_type: 'product_promotion' },
    payment.ip,
  );
}

interface AuthorizationRow {
  id: string;
  state: string;
  campaign_id: string | null;
  tx_hash: string | null;
  campaign_status: string | null;
}

async function rowOf(payment: Payment): Promise<AuthorizationRow[]> {
  return sql<AuthorizationRow[]>`select a.id, a.state, a.campaign_id, a.tx_hash, c.status as campaign_status
    from x402_authorizations a left join campaigns c on c.id = a.campaign_id
    where lower(a.payer) = lower(${payment.payer.address}) and lower(a.nonce) = lower(${payment.nonce})`;
}

/** Rows the whole database still has settling, and agent-paid campaigns waiting for or lacking a payment. */
async function expectNothingLeftSettling(): Promise<void> {
  const open = await sql`select id, state from x402_authorizations where state in ('reserved', 'submitted')`;
  expect(open).toEqual([]);
  const unpaid = await sql`select c.id, c.status from campaigns c
    where c.agent_identity_id is not null and (c.status = 'pending_payment'
      or not exists (select 1 from payments p where p.campaign_id = c.id))`;
  expect(unpaid).toEqual([]);
}

/**
 * Every payment of `run` answered 201 with its own active campaign and transaction (`answers`, in payment
 * order), and the database and the chain agree: per payment one settled row naming that campaign, one
 * payments row with its transaction, one AuthorizationUsed; per payer exactly its transfers to payTo; the
 * settler sent exactly one transaction per payment; each payer's identity got one agent key.
 */
async function expectAllSettled(run: Run, answers: ApiResponse[]): Promise<void> {
  const count = run.payments.length;
  expect(answers).toHaveLength(count);
  for (const answer of answers) {
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.data.status).toBe('active');
    expect(answer.body.meta.payment.status).toBe('settled');
  }
  const campaignIds = answers.map((answer) => answer.body.data.id as string);
  const transactions = answers.map((answer) => answer.body.meta.payment.transaction as string);
  expect(new Set(campaignIds).size).toBe(count);
  expect(new Set(transactions).size).toBe(count);

  for (const [i, payment] of run.payments.entries()) {
    const rows = await rowOf(payment);
    expect(rows.map((row) => row.state)).toEqual(['settled']);
    expect(rows[0]?.campaign_id).toBe(campaignIds[i]);
    expect(rows[0]?.tx_hash).toBe(transactions[i]);
    expect(rows[0]?.campaign_status).toBe('active');
    expect(answers[i]?.body.data.name).toBe(payment.name);
  }
  const paid = await sql<{ campaign_id: string; reference: string; state: string }[]>`
    select p.campaign_id, p.reference, a.state from payments p
    join x402_authorizations a on a.id = p.authorization_id
    where p.campaign_id = any(${campaignIds}::uuid[])`;
  expect(paid).toHaveLength(count);
  expect(new Map(paid.map((row) => [row.campaign_id, row.reference]))).toEqual(
    new Map(campaignIds.map((id, i) => [id, transactions[i]])),
  );
  const named = await sql`select id from campaigns
    where name = any(${run.payments.map((p) => p.name)}) and deleted_at is null`;
  expect(named).toHaveLength(count);

  expect(await chain.balanceOf(run.payTo)).toBe(BigInt(count) * PRICE_ATOMIC);
  const transfers = await chain.publicClient.getLogs({
    address: chain.usdc,
    event: TRANSFER,
    args: { to: run.payTo },
    fromBlock: 0n,
  });
  expect(transfers).toHaveLength(count);
  expect(new Set(transfers.map((log) => log.transactionHash))).toEqual(new Set(transactions));
  for (const log of transfers) expect(log.args.value).toBe(PRICE_ATOMIC);
  for (const payer of run.payers) {
    const own = run.payments.filter((p) => p.payer === payer);
    const sent = await chain.publicClient.getLogs({
      address: chain.usdc,
      event: TRANSFER,
      args: { from: payer.address },
      fromBlock: 0n,
    });
    expect(sent, payer.address).toHaveLength(own.length);
    const used = await chain.publicClient.getLogs({
      address: chain.usdc,
      event: AUTHORIZATION_USED,
      args: { authorizer: payer.address },
      fromBlock: 0n,
    });
    expect(new Set(used.map((log) => log.args.nonce?.toLowerCase()))).toEqual(
      new Set(own.map((p) => p.nonce.toLowerCase())),
    );
    expect(used).toHaveLength(own.length);
    // The identity's first settlement, on whichever process, issued its one key; every answer that
    // carries a key carries that one.
    const keys = new Set(
      answers
        .filter((_, i) => run.payments[i]?.payer === payer)
        .map((answer) => answer.body.meta.payment.agent_api_key?.key)
        .filter((key): key is string => key !== undefined),
    );
    expect(keys.size, payer.address).toBe(1);
    const issued = await sql`select k.id from api_keys k join agent_identities i on i.id = k.agent_identity_id
      where i.kind = 'wallet' and lower(i.subject) = lower(${payer.address})`;
    expect(issued).toHaveLength(1);
  }
  // No collided, replaced or reverted settlement: one transaction from the settler per payment.
  const settlerNonce = await chain.publicClient.getTransactionCount({ address: run.settler.address });
  expect(settlerNonce - run.settlerNonce).toBe(count);
  await expectNothingLeftSettling();
}

describe('two server processes sharing one settler wallet and one database', () => {
  it.each([
    ['idle (interval one hour)', IDLE_RECONCILER_MS, 2],
    ['running every 100 ms in both', 100, 3],
  ] as const)(
    '100 paid creates spread over both, reconcilers %s: 100 campaigns, 100 transfers, nothing left settling',
    async (_reconcilers, reconcileIntervalMs, settlerIndex) => {
      // 20 payers paying 5 campaigns each: distinct agents scaling out, and one agent paying several at
      // once through both processes (its identity row and its first agent key contended).
      const run = await newRun(`two processes ${settlerIndex}`, settlerIndex, 20, 5);
      const env = envFor(run, reconcileIntervalMs);
      const servers = await Promise.all([start(env), start(env)]);
      const outcomes = await inPool(run.payments.length, CONCURRENCY, (i) =>
        pay(servers[i % 2] as ServerProcess, run.payments[i] as Payment),
      );
      // With anvil mining on send the receipt is there at once: 201. A slower one is answered 202 and
      // the resend (or a reconciler) completes it; either way the client ends with 201.
      for (const outcome of outcomes) expect([201, 202], outcome.final.text).toContain(outcome.first);
      await Promise.all(servers.map(stop));
      await expectAllSettled(
        run,
        outcomes.map((outcome) => outcome.final),
      );
    },
    120_000,
  );

  it("one process pays while the other's reconciler takes over what it left when killed mid-settlement", async () => {
    // 6 payments broadcast (mining held off) and 4 reserved behind the settler's lock when the first
    // process dies; 4 more paid to the second process meanwhile. One payer per payment.
    const run = await newRun('takeover', 4, 14, 1);
    const [broadcast, reserved, fresh] = [
      run.payments.slice(0, 6),
      run.payments.slice(6, 10),
      run.payments.slice(10),
    ];
    const [first, second] = await Promise.all([
      start(envFor(run, IDLE_RECONCILER_MS)),
      start(envFor(run, 200)),
    ]);
    const pendingSends = async () =>
      (await chain.publicClient.getTransactionCount({ address: run.settler.address, blockTag: 'pending' })) -
      (await chain.publicClient.getTransactionCount({ address: run.settler.address, blockTag: 'latest' }));

    await chain.setAutomine(false);
    const lost = broadcast.map((payment) => pay(first, payment).catch(() => undefined));
    await vi.waitFor(
      async () => {
        if ((await pendingSends()) < broadcast.length) throw new Error('not all broadcast yet');
      },
      { timeout: 30_000, interval: 25 },
    );
    await holder`select pg_advisory_lock(${SEND_LOCK_CLASS}, hashtext(${run.settler.address}))`;
    lost.push(...reserved.map((payment) => pay(first, payment).catch(() => undefined)));
    const advisoryWaiters = async () =>
      (
        await sql<{ pid: number }[]>`select pid from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'`
      ).map((row) => row.pid);
    await vi.waitFor(
      async () => {
        for (const payment of reserved) {
          const rows = await rowOf(payment);
          if (rows[0]?.state !== 'reserved' || rows[0]?.campaign_status !== 'pending_payment') {
            throw new Error('not all reserved yet');
          }
        }
        if ((await advisoryWaiters()).length === 0) throw new Error('no send waits for the lock yet');
      },
      { timeout: 30_000, interval: 25 },
    );
    const createdByFirst = new Map<Payment, string | null>();
    for (const payment of [...broadcast, ...reserved]) {
      createdByFirst.set(payment, (await rowOf(payment))[0]?.campaign_id ?? null);
    }

    const exited = new Promise((resolve) => first.child.once('exit', resolve));
    first.child.kill('SIGKILL');
    await exited;
    running.delete(first);
    await Promise.all(lost);
    // The send blocked on the lock dies with its session, never to broadcast after the kill.
    for (const pid of await advisoryWaiters()) await sql`select pg_terminate_backend(${pid})`;
    await vi.waitFor(
      async () => {
        if ((await advisoryWaiters()).length > 0) throw new Error('a blocked session still runs');
      },
      { timeout: 10_000, interval: 25 },
    );
    await holder`select pg_advisory_unlock(${SEND_LOCK_CLASS}, hashtext(${run.settler.address}))`;
    await chain.setAutomine(true);
    await chain.mine();

    const paidToSecond = inPool(fresh.length, fresh.length, (i) => pay(second, fresh[i] as Payment));
    // What was broadcast is finished by the second process's reconciler alone, without the payers.
    await vi.waitFor(
      async () => {
        for (const payment of broadcast) {
          const state = (await rowOf(payment))[0]?.state;
          if (state !== 'settled') throw new Error(`authorization ${state}`);
        }
      },
      { timeout: 45_000, interval: 100 },
    );
    // The payers retry with the same signed payments at the second process: the campaigns the first one
    // created, settled once (by the reconciler, or by the retry for what never left the first process).
    const retried = await inPool(10, 10, (i) => pay(second, [...broadcast, ...reserved][i] as Payment));
    for (const [i, payment] of [...broadcast, ...reserved].entries()) {
      expect(retried[i]?.final.body?.data?.id, retried[i]?.final.text).toBe(createdByFirst.get(payment));
    }
    const answers = [...retried, ...(await paidToSecond)].map((outcome) => outcome.final);
    await stop(second);
    await expectAllSettled(run, answers);
  }, 120_000);
});
