/**
 * Child of the MCP bench: a real iris server (REST and /mcp on one listener) on a fresh database on the
 * bench's PostgreSQL server (DATABASE_URL: the orchestrator's embedded cluster or a given server) with a pool of read keys over several accounts —
 * enough that the per-key rate limits never trip — and a page of campaigns per account. Prints one JSON
 * line `{url, pid, keys}` when ready; stops on SIGTERM or when stdin closes.
 */
import type { Db } from '../../db/client.ts';
import { openDatabase } from '../../db/client.ts';
import { migrate } from '../../db/migrate.ts';
import { campaigns, users } from '../../db/schema.ts';
import { bootstrap } from '../../src/bootstrap.ts';
import { composeServices } from '../../src/compose.ts';
import { insertKey } from '../../src/domain/api-keys/insert-key.ts';
import { parseEnv } from '../../src/env.ts';
import { createLogger } from '../../src/logger.ts';
import { MAX_ACTIVE_KEYS } from '../../src/operations/keys/create.ts';
import { startServer } from '../../src/server.ts';
import { createScratchDatabase } from '../lib/scratch-database.ts';
import { childDatabaseUrl } from '../lib/seed.ts';

const CAMPAIGNS_PER_ACCOUNT = 20;

async function seedAccount(db: Db, index: number, keys: number, now: Date): Promise<string[]> {
  return db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email: `mcp-bench-${index}@bench.local`, kind: 'user', createdAt: now })
      .returning({ id: users.id });
    if (!user) throw new Error('no user row');
    const raw: string[] = [];
    for (let i = 0; i < keys; i++) {
      const key = await insertKey(
        tx,
        { userId: user.id, name: `bench ${i}`, scopes: ['read'], expiresAt: null },
        now,
      );
      raw.push(key.key);
    }
    await tx.insert(campaigns).values(
      Array.from({ length: CAMPAIGNS_PER_ACCOUNT }, (_, i) => ({
        userId: user.id,
        name: `bench campaign ${i + 1}`,
        objectiveType: 'product_promotion',
        venueTypes: ['bar'],
        keywords: ['house'],
        maxResults: 50,
        outreachChannels: ['email'],
        followupDays: [3],
        status: 'draft',
        createdAt: new Date(now.getTime() - i * 1000),
        updatedAt: new Date(now.getTime() - i * 1000),
      })),
    );
    return raw;
  });
}

async function main(): Promise<void> {
  const keyCount = Number(process.env.BENCH_MCP_KEYS ?? '9000');
  const env = parseEnv({
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    // Only for the encryption key: a random one for the run, nothing written.
    IRIS_DATA_DIR: 'memory://',
  });
  const scratch = await createScratchDatabase(childDatabaseUrl());
  const database = await openDatabase({ url: scratch.url });
  await migrate(database.db);
  const now = new Date();
  await bootstrap(database.db, { ownerEmail: env.IRIS_OWNER_EMAIL }, now);
  const keys: string[] = [];
  for (let account = 0; keys.length < keyCount; account++) {
    keys.push(
      ...(await seedAccount(database.db, account, Math.min(MAX_ACTIVE_KEYS, keyCount - keys.length), now)),
    );
  }
  const services = await composeServices(env, database, createLogger(env.LOG_LEVEL));
  const server = await startServer(services, 0, '127.0.0.1');
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server
      .close()
      .then(() => scratch.drop())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.once('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid, keys })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`mcp bench server failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
