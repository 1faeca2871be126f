/**
 * Bench child: the real iris server (startServer + createServices, migrated database, bootstrapped admin
 * key) with a pool of API keys over several accounts and 20 campaigns per account, the x402 rail when the
 * orchestrator passes X402_* settings, the MPP rail with the MPP_ and STRIPE_ ones, and a side probe
 * counting paid campaigns and reading the credit ledger; prints one JSON line.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { count, eq, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import { campaigns } from '../../db/schema.ts';
import { bootstrap } from '../../src/bootstrap.ts';
import { composeServices } from '../../src/compose.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { insertKey } from '../../src/domain/api-keys/insert-key.ts';
import { parseEnv } from '../../src/env.ts';
import { createLogger } from '../../src/logger.ts';
import { MAX_ACTIVE_KEYS } from '../../src/operations/keys/create.ts';
import { startServer } from '../../src/server.ts';
import { announce, failStartup, type Ledger, stopOnSignal } from '../lib/protocol.ts';
import { childDatabaseUrl, openBenchDatabase, seedCampaigns } from '../lib/seed.ts';

function keyCountFromEnv(): number {
  const count = Number(process.env.BENCH_KEY_COUNT ?? '1000');
  if (!Number.isInteger(count) || count < 2) throw new Error('BENCH_KEY_COUNT must be an integer ≥ 2');
  return count;
}

/** Adds read keys to the account until it holds `total` active keys (or the per-account maximum). */
async function addKeys(db: Db, userId: string, total: number, now: Date): Promise<string[]> {
  const keys: string[] = [];
  await db.transaction(async (tx) => {
    for (let i = 1; i < Math.min(total, MAX_ACTIVE_KEYS); i++) {
      const key = await insertKey(
        tx,
        { userId, name: `bench key ${i}`, scopes: ['read'], expiresAt: null },
        now,
      );
      keys.push(key.key);
    }
  });
  return keys;
}

/** The credit ledger as a whole: what `GET /ledger` of the probe answers. */
async function ledgerOf(db: Db, systemUserId: string): Promise<Ledger> {
  const [row] = await queryRows<Record<keyof Ledger, number | string | null>>(
    db,
    sql`select
      (select count(*) from credit_accounts) as accounts,
      (select count(*) from credit_accounts where balance < 0) as negative,
      (select coalesce(sum(balance), 0) from credit_accounts) as balance,
      (select count(*) from credit_entries where kind = 'purchase') as purchases,
      (select coalesce(sum(credits), 0) from credit_entries where kind = 'purchase') as purchased,
      (select count(*) from credit_entries where kind = 'debit') as debits,
      (select count(*) from credit_entries where kind <> 'purchase' and kind <> 'debit') as others,
      (select count(*) from campaigns where user_id = ${systemUserId} and status <> 'pending_payment') as campaigns`,
  );
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v ?? 0)])) as Ledger;
}

/**
 * The probe: its own HTTP server (iris's app is left untouched). `GET /stats` answers the number of
 * campaigns owned by the system user, i.e. created by paying agents (iris has no handler counter to
 * read); `GET /ledger` the credit ledger's totals; `GET /cpu` this process's CPU time so far.
 */
async function startProbe(db: Db, systemUserId: string) {
  const probe = createServer((req, res) => {
    const answer: Promise<unknown> =
      req.url === '/cpu'
        ? Promise.resolve(process.cpuUsage())
        : req.url === '/ledger'
          ? ledgerOf(db, systemUserId)
          : db
              .select({ n: count() })
              .from(campaigns)
              .where(eq(campaigns.userId, systemUserId))
              .then(([row]) => ({ campaigns: row?.n ?? 0, handlerRuns: null }));
    answer.then(
      (body) => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(body));
      },
      (error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  return probe;
}

async function main(): Promise<void> {
  const keyCount = keyCountFromEnv();
  const env = parseEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    // In memory: no data dir, no encryption key file written next to the project.
    IRIS_DATA_DIR: 'memory://',
    DATABASE_URL: childDatabaseUrl(),
    RATE_LIMIT_STORE: process.env.RATE_LIMIT_STORE,
    // The x402 rail (on when X402_PAY_TO is set), with production defaults for everything not passed.
    X402_PAY_TO: process.env.X402_PAY_TO,
    X402_SETTLER_PRIVATE_KEY: process.env.X402_SETTLER_PRIVATE_KEY,
    X402_RPC_URL: process.env.X402_RPC_URL,
    // The MPP rail (on when both secrets are set), its Stripe API at STRIPE_API_BASE.
    MPP_SECRET_KEY: process.env.MPP_SECRET_KEY,
    MPP_REALM: process.env.MPP_REALM,
    STRIPE_SECRET_KEY: process.env.STRIPE_SECRET_KEY,
    STRIPE_API_BASE: process.env.STRIPE_API_BASE,
    STRIPE_PROFILE_ID: process.env.STRIPE_PROFILE_ID,
    // The local worker's concurrency (jobs section) and http:// loopback webhook receivers (webhooks section).
    JOBS_CONCURRENCY: process.env.JOBS_CONCURRENCY,
    WEBHOOKS_ALLOW_PRIVATE: process.env.WEBHOOKS_ALLOW_PRIVATE,
  });
  const database = await openBenchDatabase();
  const now = new Date();

  const boot = await bootstrap(database.db, { ownerEmail: env.IRIS_OWNER_EMAIL }, now);
  const adminKey = boot.firstKey?.raw;
  if (!boot.firstKey || !adminKey)
    throw new Error('bootstrap did not create an admin key (database not fresh?)');
  const keys = [adminKey];
  let accounts = 1;
  keys.push(...(await addKeys(database.db, boot.firstKey.userId, keyCount, now)));
  await seedCampaigns(database.db, boot.firstKey.userId, now);
  while (keys.length < keyCount) {
    const account = await createAccount(database.db, `bench-${accounts}@bench.local`, now);
    accounts += 1;
    keys.push(account.key.key);
    keys.push(...(await addKeys(database.db, account.userId, keyCount - keys.length + 1, now)));
    await seedCampaigns(database.db, account.userId, now);
  }

  const services = await composeServices(env, database, createLogger(env.LOG_LEVEL));
  const server = await startServer(services, 0, '127.0.0.1');
  const probe = await startProbe(database.db, services.systemUserId);
  const rails = services.payments?.rails.map((rail) => rail.name) ?? [];
  stopOnSignal(async () => {
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await server.close();
  });
  announce({
    url: server.url,
    port: server.port,
    rateLimitStore: env.RATE_LIMIT_STORE,
    accounts,
    keys,
    x402: rails.includes('x402'),
    mpp: rails.includes('mpp'),
    probeUrl: `http://127.0.0.1:${(probe.address() as AddressInfo).port}`,
  });
}

main().catch((error: unknown) => failStartup('pipeline-server', error));
