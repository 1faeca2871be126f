/**
 * The composition root: the one module that builds the service container, choosing the adapters (rate-limit
 * store, encryption key, payment rails) from the configuration. It alone imports both src and the layers
 * above it (payments/); everything else depends on the types of src/services.ts.
 */
import { eq } from 'drizzle-orm';
import type { Database, Db } from '../db/client.ts';
import { users } from '../db/schema.ts';
import { createPaymentGateway } from '../payments/gateway/gateway.ts';
import type { PaymentRail, RailModule } from '../payments/gateway/rail.ts';
import { RAILS } from '../payments/rails.ts';
import { resolveEncryptionKey } from './crypto/encryption-key.ts';
import { createSealer } from './crypto/sealer.ts';
import { type Env, parseEnvParts, publicUrlOf } from './env.ts';
import { createAi } from './integrations/ai/create-ai.ts';
import { createChannels } from './integrations/channels/create-channels.ts';
import { createDiscovery } from './integrations/discovery/discovery.ts';
import { createJobs, type JobsOptions } from './jobs/create-jobs.ts';
import { errorFields, type Logger } from './logger.ts';
import { operations } from './operations/registry.ts';
import { sweepExpiredIdempotencyKeys } from './pipeline/idempotency.ts';
import { createKeyCache, KEY_CHANGE_CHANNEL } from './pipeline/key-cache.ts';
import { createMemoryRateLimitStore } from './pipeline/rate-limit/memory-store.ts';
import { createPostgresRateLimitStore } from './pipeline/rate-limit/postgres-store.ts';
import type { Services } from './services.ts';

const SWEEP_EVERY_MS = 10 * 60_000;

/**
 * Deletes every expired row: idempotency keys, and each registered rail's own (run every 10 minutes,
 * rails configured or not); a failing sweep is logged.
 */
export async function sweepExpired(
  db: Db,
  now: Date,
  logger: Logger,
  rails: readonly RailModule[] = RAILS,
): Promise<void> {
  const sweeps = [
    { name: 'idempotency', run: sweepExpiredIdempotencyKeys },
    ...rails.flatMap((rail) => (rail.sweep ? [{ name: rail.name, run: rail.sweep }] : [])),
  ];
  await Promise.all(
    sweeps.map(({ name, run }) =>
      run(db, now).catch((error: unknown) => logger.error(`${name} sweep failed`, errorFields(error))),
    ),
  );
}

export interface ComposeOptions {
  /** The payment rails to register (default: every rail this server knows). */
  rails?: readonly RailModule[];
  /** The job handlers and settings (default: src/jobs/job-handlers.ts, settings from the environment). */
  jobs?: JobsOptions;
}

export async function composeServices(
  env: Env,
  database: Database,
  logger: Logger,
  options: ComposeOptions = {},
): Promise<Services> {
  const railModules = options.rails ?? RAILS;
  // Every registered rail's variables are checked, configured or not: a typo in one stops the boot.
  const railEnvs = parseEnvParts(
    railModules.map((module) => module.env),
    env.source,
  );
  const rateLimits =
    env.RATE_LIMIT_STORE === 'postgres'
      ? createPostgresRateLimitStore(database.db)
      : createMemoryRateLimitStore();
  if (env.DATABASE_URL && !env.IRIS_ENCRYPTION_KEY) {
    logger.warn(
      'IRIS_ENCRYPTION_KEY is unset: the key is kept in IRIS_DATA_DIR; every process sharing this database needs the same key',
    );
  }
  const sealer = createSealer(resolveEncryptionKey(env.IRIS_ENCRYPTION_KEY, env.IRIS_DATA_DIR));
  const [system] = await database.db
    .select({ id: users.id })
    .from(users)
    .where(eq(users.kind, 'system'))
    .limit(1);
  if (!system) throw new Error('no system user: run the bootstrap before building services');
  const keyCache = createKeyCache();
  const unlisten = await database
    .listen(
      KEY_CHANGE_CHANNEL,
      (keyId) => keyCache.invalidate(keyId),
      () => keyCache.clear(),
    )
    .catch((error: unknown) => {
      logger.warn('no api_keys change feed: key lookups will not be cached', errorFields(error));
      keyCache.disable();
      return async () => {};
    });
  // Jobs run with the container being built here; they read it when a job runs, not before.
  const jobs = await createJobs(env, database, () => services, options.jobs);
  let sweeping: Promise<unknown> | undefined;
  const sweep = setInterval(() => {
    sweeping = sweepExpired(database.db, services.clock(), logger, railModules);
  }, SWEEP_EVERY_MS);
  sweep.unref();
  const services: Services = {
    env,
    database,
    db: database.db,
    logger,
    rateLimits,
    keyCache,
    sealer,
    ai: await createAi(env),
    discovery: await createDiscovery(env),
    channels: await createChannels(env),
    clock: () => new Date(),
    systemUserId: system.id,
    railWires: railModules.map((rail) => rail.wire),
    jobs,
    onClose: [
      async () => {
        clearInterval(sweep);
        await sweeping;
        await unlisten();
      },
    ],
  };
  const context = { env, services, operations, publicUrl: publicUrlOf(env) };
  const rails: PaymentRail[] = [];
  // A rail's modules are loaded only when it is configured: they pull in viem, mppx and stripe, thousands
  // of modules that a server without payments would load for nothing at every start.
  for (const [index, module] of railModules.entries()) {
    const railEnv = railEnvs[index];
    const rail = module.configured(railEnv) ? await module.create({ ...context, railEnv }) : undefined;
    if (!rail) continue;
    rails.push(rail);
    services.cardRefunds ??= rail.cardRefunds;
  }
  if (rails.length > 0) {
    const gateway = createPaymentGateway(rails, operations);
    services.payments = gateway;
    services.onClose.unshift(() => gateway.close());
  }
  services.onClose.push(() => services.channels.close());
  // First to stop: a running job may still use any of the above.
  services.onClose.unshift(() => jobs.stop());
  return services;
}

export async function closeServices(services: Services): Promise<void> {
  for (const hook of services.onClose) await hook();
  await services.rateLimits.close();
  await services.database.close();
}
