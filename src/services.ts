/**
 * The service container: everything an operation may need, built once at boot from the configuration.
 * Adapters are chosen here (which rate-limit store, which database) so handlers stay unaware of them.
 */
import type { Database, Db } from '../db/client.ts';
import { resolveEncryptionKey } from './crypto/encryption-key.ts';
import { createSealer, type Sealer } from './crypto/sealer.ts';
import type { Env } from './env.ts';
import type { Logger } from './logger.ts';
import { createMemoryRateLimitStore } from './pipeline/rate-limit/memory-store.ts';
import { createPostgresRateLimitStore } from './pipeline/rate-limit/postgres-store.ts';
import type { RateLimitStore } from './pipeline/rate-limit/store.ts';

export interface Services {
  env: Env;
  database: Database;
  db: Db;
  logger: Logger;
  rateLimits: RateLimitStore;
  /** Encrypts secrets at rest (stored responses carrying raw keys). */
  sealer: Sealer;
  /** Current time; tests may move it. */
  clock: () => Date;
}

export function createServices(env: Env, database: Database, logger: Logger): Services {
  const rateLimits =
    env.RATE_LIMIT_STORE === 'postgres'
      ? createPostgresRateLimitStore(database.db)
      : createMemoryRateLimitStore();
  const sealer = createSealer(resolveEncryptionKey(env.IRIS_ENCRYPTION_KEY, env.IRIS_DATA_DIR));
  return { env, database, db: database.db, logger, rateLimits, sealer, clock: () => new Date() };
}

export async function closeServices(services: Services): Promise<void> {
  await services.rateLimits.close();
  await services.database.close();
}
