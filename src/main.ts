/**
 * `npm start`: configuration → database (PGlite in IRIS_DATA_DIR, or PostgreSQL at DATABASE_URL) →
 * migrations → first key → HTTP server. SIGINT/SIGTERM stop it cleanly.
 */

import { openMigratedDatabase, usesEmbeddedDatabase } from './boot.ts';
import { bootstrap } from './bootstrap.ts';
import { claimDataDir } from './data-dir-lock.ts';
import { EnvError, parseEnv } from './env.ts';
import { createLogger, errorFields } from './logger.ts';
import { startServer } from './server.ts';
import { createServices } from './services.ts';

async function main(): Promise<void> {
  const env = parseEnv();
  const logger = createLogger(env.LOG_LEVEL);
  const releaseDataDir = usesEmbeddedDatabase(env) ? claimDataDir(env.IRIS_DATA_DIR) : () => {};
  const database = await openMigratedDatabase(env);
  const boot = await bootstrap(database.db, {
    ownerEmail: env.IRIS_OWNER_EMAIL,
    bootstrapApiKey: env.IRIS_BOOTSTRAP_API_KEY,
  });
  if (boot.firstKey?.raw) {
    process.stdout.write(
      [
        '',
        `  First start: created account ${boot.firstKey.email} with an admin API key (scope *).`,
        `  API key (shown once, store it now): ${boot.firstKey.raw}`,
        '',
      ].join('\n'),
    );
  } else if (boot.firstKey) {
    logger.info('first start: admin key from IRIS_BOOTSTRAP_API_KEY registered', {
      email: boot.firstKey.email,
    });
  }
  const services = await createServices(env, database, logger);
  const server = await startServer(services, env.PORT, env.HOST);
  logger.info('iris listening', { url: server.url, database: database.kind });
  process.stdout.write(`iris listening on ${server.url} (database: ${database.kind})\n`);

  const stop = async (signal: string) => {
    logger.info('shutting down', { signal });
    await server.close();
    releaseDataDir();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  if (error instanceof EnvError) process.stderr.write(`${error.message}\n`);
  else process.stderr.write(`iris failed to start: ${JSON.stringify(errorFields(error))}\n`);
  process.exit(1);
});
