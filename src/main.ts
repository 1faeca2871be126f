/**
 * `npm start`: configuration → database (the embedded PostgreSQL in IRIS_DATA_DIR, or the server at
 * DATABASE_URL) → migrations → first key → HTTP server. SIGINT/SIGTERM stop it cleanly: the HTTP server
 * drains, then the database pool closes, then the embedded cluster stops.
 *
 * The application's modules are loaded while the database starts: each takes about half a second, and
 * neither needs the other until the services are built.
 */
import { DataDirInUseError } from '../db/data-dir-lock.ts';
import { EmbeddedClusterError } from '../db/embedded-cluster.ts';
import { openMigratedDatabase } from './boot.ts';
import { EnvError, parseEnv } from './env.ts';
import { createLogger, errorFields } from './logger.ts';
import type { RunningServer } from './server.ts';
import type { Services } from './services.ts';

async function main(): Promise<void> {
  const env = parseEnv();
  const logger = createLogger(env.LOG_LEVEL);
  let server: RunningServer | undefined;
  const opening = openMigratedDatabase(env);
  // Registered before the database opens, so a signal during start-up still stops the embedded cluster.
  const stop = async (signal: string) => {
    logger.info('shutting down', { signal });
    if (server) await server.close();
    else await opening.then((database) => database.close()).catch(() => {});
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  const modules = Promise.all([import('./bootstrap.ts'), import('./compose.ts'), import('./server.ts')]);
  const [database, [{ bootstrap }, { closeServices, composeServices }, { startServer }]] = await Promise.all([
    opening,
    modules.catch(async (error: unknown) => {
      await opening.then((database) => database.close()).catch(() => {});
      throw error;
    }),
  ]);
  let services: Services | undefined;
  try {
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
    services = await composeServices(env, database, logger);
    server = await startServer(services, env.PORT, env.HOST);
  } catch (error) {
    await (services ? closeServices(services) : database.close()).catch(() => {});
    throw error;
  }
  logger.info('iris listening', { url: server.url, database: database.kind });
  process.stdout.write(`iris listening on ${server.url} (database: ${database.kind})\n`);
}

main().catch((error: unknown) => {
  if (error instanceof EnvError) process.stderr.write(`${error.message}\n`);
  else if (error instanceof DataDirInUseError || error instanceof EmbeddedClusterError) {
    process.stderr.write(`iris failed to start: ${error.message}\n`);
  } else process.stderr.write(`iris failed to start: ${JSON.stringify(errorFields(error))}\n`);
  process.exit(1);
});
