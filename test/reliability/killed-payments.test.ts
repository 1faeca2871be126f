/**
 * kill -9 at each step of a paid x402 create (issue 18), on real server processes, the local anvil chain
 * with real USDC, and the suite's database (embedded cluster or DATABASE_URL). Each case blocks the
 * server at one step with a lock the test holds (the settler's own send lock, or a trigger that waits on
 * an advisory lock), kills it there, lets a restarted server's reconciler finish what was left, then
 * resends the same signed payment as a client retrying would. Every authorization must end with exactly
 * one active campaign and its payment (or a refund owed), none stuck in reserved or submitted, no
 * campaign without its payment, and at most one transfer on chain per authorization. The same for a
 * credit spend (MPP rail, Stripe-shaped server in process): killed between the committed debit and the
 * campaign's commit, the credit comes back as one refund entry and a retry spends it once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { type Address, type Hex, parseAbi, parseAbiItem } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalChain, newPayer, startLocalChain } from '../../tools/chain/local-chain.ts';
import { api, jsonOf } from '../helpers/api.ts';
import { mppClient, newToken } from '../helpers/mpp-server.ts';
import { PRICE_ATOMIC, signAuthorization, v1Header } from '../helpers/paid-server.ts';
import { type ServerProcess, spawnServer } from '../helpers/spawn-server.ts';
import { type StripeServer, startStripeServer } from '../helpers/stripe-server.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

/** The settler's send lock (payments/x402/settler.ts): class and address, as the settler takes it. */
const SEND_LOCK_CLASS = 746_921_402;
/** The advisory lock the kill-point triggers wait on while the test holds it. */
const KILL_POINT_LOCK = 1_800_018;
const BALANCE = 10_000_000n;

const USDC_ABI = parseAbi([
  'function authorizationState(address authorizer, bytes32 nonce) view returns (bool)',
]);
const AUTHORIZATION_USED = parseAbiItem(
  'event AuthorizationUsed(address indexed authorizer, bytes32 indexed nonce)',
);
const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)');

let chain: LocalChain;
let database: TestDatabase;
/** One connection of the test's own: it holds the locks the server is blocked on. */
let holder: postgres.Sql;
/** The test's reads and trigger management. */
let sql: postgres.Sql;
let dataDir: string;
let payTo: Address;
let settlerKey: Hex;
let settler: Address;
const running = new Set<ServerProcess>();

interface Paid {
  step: string;
  name: string;
  payer: Address;
  nonce: Hex;
  header: string;
}
const paid: Paid[] = [];

beforeAll(async () => {
  chain = await startLocalChain();
  dataDir = mkdtempSync(join(tmpdir(), 'iris-killed-pay-'));
  database = await createTestDatabase();
  holder = postgres(database.url, { max: 1, onnotice: () => {} });
  sql = postgres(database.url, { max: 2, onnotice: () => {} });
  payTo = privateKeyToAccount(generatePrivateKey()).address;
  const account = chain.accounts[7];
  if (!account) throw new Error('anvil has no eighth account');
  settlerKey = account.privateKey;
  settler = account.address;
  await sql.unsafe(`create function kill_point() returns trigger language plpgsql as $$
    begin perform pg_advisory_xact_lock(${KILL_POINT_LOCK}); return new; end $$`);
});

afterAll(async () => {
  // The test's locks go first: a server still blocked on one (a failed case) can then shut down.
  await holder?.end({ timeout: 5 });
  for (const server of running) await server.stop();
  await sql?.end({ timeout: 5 });
  await chain?.stop();
  await database?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** The first server never reconciles during a case; the restarted one does, every 200 ms. */
async function start(reconcileIntervalMs: number): Promise<ServerProcess> {
  const server = await spawnServer({
    DATABASE_URL: database.url,
    IRIS_ENCRYPTION_KEY: 'ef'.repeat(32),
    IRIS_DATA_DIR: dataDir,
    X402_PAY_TO: payTo,
    X402_SETTLER_PRIVATE_KEY: settlerKey,
    X402_RPC_URL: chain.rpcUrl,
    X402_SETTLE_TIMEOUT_MS: '2000',
    X402_RECONCILE_INTERVAL_MS: String(reconcileIntervalMs),
  });
  running.add(server);
  return server;
}

async function kill(server: ServerProcess): Promise<void> {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGKILL');
  if (server.child.exitCode === null && server.child.signalCode === null) await exited;
  running.delete(server);
}

/** Backends of this database waiting for an advisory lock: the server, blocked where the case wants it. */
async function advisoryWaiters(): Promise<number[]> {
  const rows = await sql<{ pid: number }[]>`select pid from pg_stat_activity
    where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'`;
  return rows.map((row) => row.pid);
}

async function usedOnChain(payment: Paid): Promise<boolean> {
  return chain.publicClient.readContract({
    address: chain.usdc,
    abi: USDC_ABI,
    functionName: 'authorizationState',
    args: [payment.payer, payment.nonce],
  });
}

interface AuthorizationRow {
  id: string;
  state: string;
  campaign_id: string | null;
  tx_hash: string | null;
}

async function authorizationsOf(payment: Paid): Promise<AuthorizationRow[]> {
  return sql<AuthorizationRow[]>`select id, state, campaign_id, tx_hash from x402_authorizations
    where lower(payer) = lower(${payment.payer}) and lower(nonce) = lower(${payment.nonce})`;
}

async function campaignsNamed(name: string): Promise<{ id: string; status: string }[]> {
  return sql<{ id: string; status: string }[]>`select id, status from campaigns
    where name = ${name} and deleted_at is null`;
}

/** How a case blocks the server: SQL run before the request, and undone after the kill. */
interface KillPoint {
  step: string;
  /** Holds the lock the server waits on at this step (on `holder`). */
  hold(): Promise<void>;
  release(): Promise<void>;
  /** A trigger on the table the server writes next, or none (the settler's lock needs none). */
  trigger?: { table: string; timing: string; when: string };
  /** Also true once the server is blocked there (beyond waiting for the lock). */
  reached?(payment: Paid): Promise<boolean>;
  /** What the database and chain show right after the kill. */
  afterKill(payment: Paid): Promise<void>;
}

const killPointLock: Pick<KillPoint, 'hold' | 'release'> = {
  hold: async () => {
    await holder`select pg_advisory_lock(${KILL_POINT_LOCK})`;
  },
  release: async () => {
    await holder`select pg_advisory_unlock(${KILL_POINT_LOCK})`;
  },
};

async function nothingLeft(payment: Paid): Promise<void> {
  expect(await authorizationsOf(payment)).toEqual([]);
  expect(await campaignsNamed(payment.name)).toEqual([]);
  expect(await usedOnChain(payment)).toBe(false);
}

const killPoints: KillPoint[] = [
  {
    step: 'after the authorization is reserved (its insert, before the campaign insert)',
    ...killPointLock,
    trigger: { table: 'x402_authorizations', timing: 'after insert', when: 'true' },
    afterKill: nothingLeft,
  },
  {
    step: 'after the campaign insert, before commit',
    ...killPointLock,
    trigger: { table: 'campaigns', timing: 'after insert', when: "new.status = 'pending_payment'" },
    afterKill: nothingLeft,
  },
  {
    step: 'after the reservation commits, before the transfer is broadcast',
    hold: async () => {
      await holder`select pg_advisory_lock(${SEND_LOCK_CLASS}, hashtext(${settler}))`;
    },
    release: async () => {
      await holder`select pg_advisory_unlock(${SEND_LOCK_CLASS}, hashtext(${settler}))`;
    },
    afterKill: async (payment) => {
      expect((await authorizationsOf(payment)).map((row) => row.state)).toEqual(['reserved']);
      expect((await campaignsNamed(payment.name)).map((row) => row.status)).toEqual(['pending_payment']);
      expect(await usedOnChain(payment)).toBe(false);
    },
  },
  {
    step: 'after the transfer is settled on chain, before the database records it submitted',
    ...killPointLock,
    trigger: { table: 'x402_authorizations', timing: 'before update', when: "new.state = 'submitted'" },
    reached: usedOnChain,
    afterKill: async (payment) => {
      expect((await authorizationsOf(payment)).map((row) => row.state)).toEqual(['reserved']);
      expect((await campaignsNamed(payment.name)).map((row) => row.status)).toEqual(['pending_payment']);
      expect(await usedOnChain(payment)).toBe(true);
    },
  },
  {
    step: 'after the transfer is settled on chain and recorded submitted, before the settled commit',
    ...killPointLock,
    trigger: { table: 'x402_authorizations', timing: 'before update', when: "new.state = 'settled'" },
    afterKill: async (payment) => {
      const rows = await authorizationsOf(payment);
      expect(rows.map((row) => row.state)).toEqual(['submitted']);
      expect(rows[0]?.tx_hash).toMatch(/^0x[0-9a-f]{64}$/);
      expect((await campaignsNamed(payment.name)).map((row) => row.status)).toEqual(['pending_payment']);
      expect(await usedOnChain(payment)).toBe(true);
    },
  },
];

describe('kill -9 at each step of a paid x402 create', () => {
  it.each(killPoints.map((point, index) => [point.step, point, index] as const))(
    '%s: the restarted server finishes it, one campaign and one transfer',
    async (_step, point, index) => {
      const payer = await newPayer(chain, BALANCE);
      const signed = await signAuthorization(payer.account, { to: payTo });
      const payment: Paid = {
        step: point.step,
        name: `killed payment ${index}`,
        payer: payer.address,
        nonce: signed.authorization.nonce,
        header: v1Header(signed),
      };
      paid.push(payment);
      const request = (url: string) =>
        api(url, 'POST', '/campaigns', {
          headers: { 'x-payment': payment.header, 'x-forwarded-for': `10.18.0.${index + 1}` },
          body: { name: payment.name, objective_type: 'product_promotion' },
        });

      const trigger = `kill_point_${index}`;
      await point.hold();
      if (point.trigger) {
        await sql.unsafe(`create trigger ${trigger} ${point.trigger.timing} on ${point.trigger.table}
          for each row when (${point.trigger.when}) execute function kill_point()`);
      }
      const first = await start(3_600_000);
      const lost = request(first.url).catch(() => undefined);
      await vi.waitFor(
        async () => {
          if ((await advisoryWaiters()).length === 0) throw new Error('the server is not blocked yet');
          if (point.reached && !(await point.reached(payment))) throw new Error('step not reached yet');
        },
        { timeout: 30_000, interval: 25 },
      );
      await kill(first);
      await lost;
      // The blocked statement dies with its session, never to commit after the kill.
      for (const pid of await advisoryWaiters()) await sql`select pg_terminate_backend(${pid})`;
      await vi.waitFor(
        async () => {
          if ((await advisoryWaiters()).length > 0) throw new Error('a blocked session still runs');
        },
        { timeout: 10_000, interval: 25 },
      );
      if (point.trigger) await sql.unsafe(`drop trigger ${trigger} on ${point.trigger.table}`);
      await point.release();
      await point.afterKill(payment);

      const second = await start(200);
      // What money moved is finished by the reconciler alone, without the client.
      if (await usedOnChain(payment)) {
        await vi.waitFor(
          async () => {
            const states = (await authorizationsOf(payment)).map((row) => row.state);
            if (states.join() !== 'settled') throw new Error(`authorization ${states.join()}`);
          },
          { timeout: 30_000, interval: 100 },
        );
      }
      // The client retries with the same signed payment: one campaign, answered again if settled already.
      const retried = await vi.waitFor(
        async () => {
          const response = await api(second.url, 'POST', '/campaigns', {
            headers: { 'x-payment': payment.header, 'x-forwarded-for': `10.18.1.${index + 1}` },
            body: { name: payment.name, objective_type: 'product_promotion' },
          });
          if (response.status !== 201) throw new Error(`${response.status} ${response.text}`);
          return response;
        },
        { timeout: 30_000, interval: 250 },
      );
      expect(retried.body.data).toMatchObject({ name: payment.name, status: 'active' });
      expect(retried.body.meta.payment.status).toBe('settled');
      await second.stop();
      running.delete(second);

      const rows = await authorizationsOf(payment);
      expect(rows.map((row) => row.state)).toEqual(['settled']);
      const campaigns = await campaignsNamed(payment.name);
      expect(campaigns).toEqual([{ id: retried.body.data.id, status: 'active' }]);
      expect(rows[0]?.campaign_id).toBe(retried.body.data.id);
      const payments = await sql<{ reference: string }[]>`select reference from payments
        where campaign_id = ${retried.body.data.id} and authorization_id = ${rows[0]?.id as string}`;
      expect(payments.map((row) => row.reference)).toEqual([rows[0]?.tx_hash]);
      expect(await chain.balanceOf(payment.payer)).toBe(BALANCE - PRICE_ATOMIC);
    },
    120_000,
  );

  it('leaves every authorization with one campaign or one refund owed, and one transfer at most', async () => {
    expect(paid).toHaveLength(killPoints.length);
    const open =
      await sql`select id, state from x402_authorizations where state in ('reserved', 'submitted')`;
    expect(open).toEqual([]);
    for (const payment of paid) {
      const [row, ...more] = await authorizationsOf(payment);
      expect(more).toEqual([]);
      const refunds = await sql`select r.id from payment_refunds r join payments p on p.id = r.payment_id
        where p.authorization_id = ${row?.id as string}`;
      const campaigns = await campaignsNamed(payment.name);
      expect(campaigns.length + refunds.length, payment.step).toBe(1);
      const used = await chain.publicClient.getLogs({
        address: chain.usdc,
        event: AUTHORIZATION_USED,
        args: { authorizer: payment.payer, nonce: payment.nonce },
        fromBlock: 0n,
      });
      expect(used, payment.step).toHaveLength(1);
      const transfers = await chain.publicClient.getLogs({
        address: chain.usdc,
        event: TRANSFER,
        args: { from: payment.payer },
        fromBlock: 0n,
      });
      expect(transfers, payment.step).toHaveLength(1);
    }
    // No paid campaign lacks its payment, and no campaign waits for one.
    const unpaid = await sql`select c.id, c.status from campaigns c
      where c.agent_identity_id is not null and (c.status = 'pending_payment'
        or not exists (select 1 from payments p where p.campaign_id = c.id))`;
    expect(unpaid).toEqual([]);
    expect(await chain.balanceOf(payTo)).toBe(BigInt(paid.length) * PRICE_ATOMIC);
  });
});

/** How a credit-spend case blocks the server: a trigger on campaigns, the debit already committed. */
interface CreditKillPoint {
  step: string;
  timing: string;
  when: string;
}

const creditKillPoints: CreditKillPoint[] = [
  { step: 'after the debit, before the campaign insert', timing: 'before insert', when: 'true' },
  {
    step: 'after the campaign insert, before commit',
    timing: 'after insert',
    when: "new.status = 'pending_payment'",
  },
  {
    step: 'after the campaign is made live, before commit',
    timing: 'before update',
    when: "new.status = 'active'",
  },
];

let stripe: StripeServer;

interface Entry {
  id: string;
  kind: string;
  credits: number;
  campaign_id: string | null;
  reverses_entry_id: string | null;
}

async function entriesOf(identityId: string): Promise<Entry[]> {
  return sql<Entry[]>`select id, kind, credits, campaign_id, reverses_entry_id from credit_entries
    where identity_id = ${identityId} order by created_at, id`;
}

async function startMpp(reconcileIntervalMs: number): Promise<ServerProcess> {
  const server = await spawnServer({
    DATABASE_URL: database.url,
    IRIS_ENCRYPTION_KEY: 'ef'.repeat(32),
    IRIS_DATA_DIR: dataDir,
    MPP_SECRET_KEY: 'a1'.repeat(32),
    MPP_REALM: 'iris.test',
    STRIPE_SECRET_KEY: 'sk_test_iris',
    STRIPE_API_BASE: stripe.url,
    STRIPE_PROFILE_ID: 'profile_test',
    MPP_RECONCILE_INTERVAL_MS: String(reconcileIntervalMs),
  });
  running.add(server);
  return server;
}

describe('kill -9 during a credit spend', () => {
  beforeAll(async () => {
    stripe = await startStripeServer();
  });
  afterAll(async () => {
    await stripe?.close();
  });

  it.each(creditKillPoints.map((point, index) => [point.step, point, index] as const))(
    '%s: after a restart the credit is back as a refund entry, and a retry spends it once',
    async (_step, point, index) => {
      const first = await startMpp(3_600_000);
      const client = mppClient(() => newToken(`killed${index}`));
      const bought = await client.fetch(`${first.url}/agent/credits`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.18.2.${index + 1}` },
        body: JSON.stringify({ pack: 'pack_5' }),
      });
      const boughtBody = await jsonOf(bought);
      expect(bought.status, JSON.stringify(boughtBody)).toBe(201);
      const key = boughtBody.meta.payment.agent_api_key?.key as string;
      const identityId = boughtBody.meta.payment.identity_id as string;
      expect(key).toBeTruthy();
      const name = `killed credit spend ${index}`;
      const spend = (url: string) =>
        api(url, 'POST', '/campaigns', { key, body: { name, objective_type: 'product_promotion' } });

      const trigger = `kill_credit_${index}`;
      await holder`select pg_advisory_lock(${KILL_POINT_LOCK})`;
      await sql.unsafe(`create trigger ${trigger} ${point.timing} on campaigns
        for each row when (${point.when}) execute function kill_point()`);
      const lost = spend(first.url).catch(() => undefined);
      await vi.waitFor(
        async () => {
          if ((await advisoryWaiters()).length === 0) throw new Error('the server is not blocked yet');
        },
        { timeout: 30_000, interval: 25 },
      );
      await kill(first);
      await lost;
      for (const pid of await advisoryWaiters()) await sql`select pg_terminate_backend(${pid})`;
      await vi.waitFor(
        async () => {
          if ((await advisoryWaiters()).length > 0) throw new Error('a blocked session still runs');
        },
        { timeout: 10_000, interval: 25 },
      );
      await sql.unsafe(`drop trigger ${trigger} on campaigns`);
      await holder`select pg_advisory_unlock(${KILL_POINT_LOCK})`;

      // Killed: the debit is committed, its campaign is not.
      const debits = (await entriesOf(identityId)).filter((entry) => entry.kind === 'debit');
      expect(debits.map((entry) => entry.credits)).toEqual([-1]);
      const debit = debits[0] as Entry;
      expect(await campaignsNamed(name)).toEqual([]);
      // The reconciler gives back debits older than two minutes (a fixed constant of the MPP rail,
      // payments/mpp/mpp-rail.ts): the debit is dated back instead of the test waiting that long. The
      // ledger refuses edits by trigger, so this one runs with triggers off, in its own transaction.
      await sql.begin(async (tx) => {
        await tx`set local session_replication_role = replica`;
        await tx`update credit_entries set created_at = created_at - interval '3 minutes'
          where id = ${debit.id}`;
      });

      const second = await startMpp(200);
      await vi.waitFor(
        async () => {
          const refunds = (await entriesOf(identityId)).filter((entry) => entry.kind === 'refund');
          if (refunds.length === 0) throw new Error('no refund yet');
        },
        { timeout: 30_000, interval: 100 },
      );
      const afterRefund = await api(second.url, 'GET', '/agent/credits', { key });
      expect(afterRefund.body.data.balance).toBe(5);

      // The agent retries: one campaign, one more debit, nothing refunded twice.
      const retried = await spend(second.url);
      expect(retried.status, retried.text).toBe(201);
      expect(retried.body.data).toMatchObject({ name, status: 'active' });
      await second.stop();
      running.delete(second);

      // The killed debit is dated back, so entries are compared by what they are, not by their order.
      const entries = await entriesOf(identityId);
      const of = (kind: string) => entries.filter((entry) => entry.kind === kind);
      expect(of('purchase').map((entry) => entry.credits)).toEqual([5]);
      expect(of('refund').map((entry) => [entry.credits, entry.reverses_entry_id])).toEqual([[1, debit.id]]);
      expect(of('debit').map((entry) => [entry.id, entry.credits, entry.campaign_id])).toEqual(
        expect.arrayContaining([
          [debit.id, -1, debit.campaign_id],
          [expect.any(String), -1, retried.body.data.id],
        ]),
      );
      expect(of('debit')).toHaveLength(2);
      expect(entries).toHaveLength(4);
      expect(await campaignsNamed(name)).toEqual([{ id: retried.body.data.id, status: 'active' }]);
      const [account] = await sql<{ balance: number }[]>`select balance from credit_accounts
        where identity_id = ${identityId}`;
      expect(account?.balance).toBe(4);
    },
    120_000,
  );
});
