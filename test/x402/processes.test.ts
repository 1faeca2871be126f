/**
 * x402 across real server processes: a server killed (SIGKILL) between broadcasting the settlement and
 * committing it is finished by the reconciler of the restarted server, on a shared PostgreSQL database
 * and on the server's own embedded cluster (which the kill leaves running: the restart must take it
 * over); two servers sharing one settler key and one database never collide on transaction nonces.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LocalChain, newPayer, startLocalChain } from '../../tools/chain/local-chain.ts';
import { api } from '../helpers/api.ts';
import { PRICE_ATOMIC, signAuthorization, v1Header } from '../helpers/paid-server.ts';
import { type ServerProcess, spawnServer } from '../helpers/spawn-server.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

const body = { name: 'survives a crash', objective_type: 'product_promotion' };

let chain: LocalChain;
let database: TestDatabase;
let dataDir: string;
const running = new Set<ServerProcess>();

beforeAll(async () => {
  chain = await startLocalChain();
  dataDir = mkdtempSync(join(tmpdir(), 'iris-x402-'));
  database = await createTestDatabase();
});
afterAll(async () => {
  for (const server of running) await server.stop();
  await chain?.stop();
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

type Storage = 'shared database' | 'embedded cluster';

function envFor(
  settlerKey: string,
  payTo: string,
  storage: Storage = 'shared database',
): Record<string, string> {
  return {
    X402_PAY_TO: payTo,
    X402_SETTLER_PRIVATE_KEY: settlerKey,
    X402_RPC_URL: chain.rpcUrl,
    X402_SETTLE_TIMEOUT_MS: '2000',
    X402_RECONCILE_INTERVAL_MS: '250',
    IRIS_ENCRYPTION_KEY: 'ab'.repeat(32),
    IRIS_DATA_DIR: dataDir,
    ...(storage === 'shared database' ? { DATABASE_URL: database.url } : {}),
  };
}

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const server = await spawnServer(env);
  running.add(server);
  return server;
}

describe('a server killed mid-settlement', () => {
  it.each([
    ['shared database', 4],
    ['embedded cluster', 6],
  ] as const)(
    'on a %s is completed by the restarted server: the campaign is paid and active, the payer charged once',
    async (storage, account) => {
      const payTo = privateKeyToAccount(generatePrivateKey()).address;
      const env = envFor(chain.accounts[account]?.privateKey as string, payTo, storage);
      const payer = await newPayer(chain, 10_000_000n);
      const header = v1Header(await signAuthorization(payer.account, { to: payTo }));

      const first = await start(env);
      await chain.setAutomine(false);
      const lost = api(first.url, 'POST', '/campaigns', { headers: { 'x-payment': header }, body }).catch(
        () => undefined,
      );
      const settler = chain.accounts[account]?.address as `0x${string}`;
      await vi.waitFor(
        async () => {
          const pending = await chain.publicClient.getTransactionCount({
            address: settler,
            blockTag: 'pending',
          });
          const mined = await chain.publicClient.getTransactionCount({
            address: settler,
            blockTag: 'latest',
          });
          if (pending <= mined) throw new Error('settlement not broadcast yet');
        },
        { timeout: 20_000, interval: 25 },
      );
      first.child.kill('SIGKILL');
      await first.stop();
      running.delete(first);
      await lost;
      await chain.setAutomine(true);
      await chain.mine();

      const second = await start(env);
      const done = await vi.waitFor(
        async () => {
          const response = await api(second.url, 'POST', '/campaigns', {
            headers: { 'x-payment': header },
            body,
          });
          if (response.status !== 201) throw new Error(`${response.status} ${response.text}`);
          return response;
        },
        { timeout: 30_000, interval: 250 },
      );
      expect(done.body.data).toMatchObject({ name: body.name, status: 'active' });
      expect(done.body.meta.payment.status).toBe('settled');
      expect(await chain.balanceOf(payer.address)).toBe(10_000_000n - PRICE_ATOMIC);
      expect(await chain.balanceOf(payTo)).toBe(PRICE_ATOMIC);
      await second.stop();
      running.delete(second);
    },
    90_000,
  );
});

/**
 * `work`, or after `ms` a failure naming the stage, with what the database sessions were waiting for
 * and what the servers printed: this test once ran out its time under a doubled CI load, unexplained.
 */
async function within<T>(ms: number, stage: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(async () => {
      const sessions = await database.db
        .execute(
          sql`select pid, state, wait_event_type, wait_event, now() - query_start as running, left(query, 160) as query
              from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
        )
        .catch((error: unknown) => String(error));
      const printed = [...running].map((server) => server.stderr().slice(-2_000));
      reject(new Error(`${stage}: no answer in ${ms} ms\n${JSON.stringify({ sessions, printed }, null, 1)}`));
    }, ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe('two servers sharing one settler key and one database', () => {
  it('settle 12 parallel payments spread over both without a nonce collision', async () => {
    const payTo = privateKeyToAccount(generatePrivateKey()).address;
    const env = envFor(chain.accounts[5]?.privateKey as string, payTo);
    const [a, b] = await within(25_000, 'starting the servers', Promise.all([start(env), start(env)]));
    const payers = await within(
      20_000,
      'funding the payers',
      Promise.all(Array.from({ length: 12 }, () => newPayer(chain, 10_000_000n))),
    );
    const responses = await within(
      30_000,
      'the 12 paid creates',
      Promise.all(
        payers.map(async (payer, i) =>
          api(((i % 2 ? b : a) as ServerProcess).url, 'POST', '/campaigns', {
            headers: {
              'x-payment': v1Header(await signAuthorization(payer.account, { to: payTo })),
              'x-forwarded-for': `10.4.0.${i + 1}`,
            },
            body: { ...body, name: `shared settler ${i}` },
          }),
        ),
      ),
    );
    for (const response of responses) expect(response.status, response.text).toBe(201);
    expect(new Set(responses.map((r) => r.body.meta.payment.transaction)).size).toBe(12);
    expect(await chain.balanceOf(payTo)).toBe(12n * PRICE_ATOMIC);
  }, 90_000);
});
