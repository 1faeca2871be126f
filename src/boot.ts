/**
 * Opens the configured database and applies migrations: the PostgreSQL server at DATABASE_URL, or the
 * embedded cluster in IRIS_DATA_DIR, started here and stopped when the database is closed. Shared by the
 * server, the sandbox and the operator CLI.
 *
 * The driver and migrator (drizzle, over a hundred modules) are loaded while the embedded cluster starts,
 * not before: both take a noticeable part of a start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database, DatabaseOptions } from '../db/client.ts';
import { claimDataDir } from '../db/data-dir-lock.ts';
import { type EmbeddedCluster, runningClusterUrl, startEmbeddedCluster } from '../db/embedded-cluster.ts';
import type { Env } from './env.ts';

/** IRIS_DATA_DIR=memory:// keeps nothing: a throwaway cluster in a temporary directory. */
function isMemoryDataDir(dataDir: string): boolean {
  return dataDir.startsWith('memory://');
}

let loading: Promise<[typeof import('../db/client.ts'), typeof import('../db/migrate.ts')]> | undefined;

function driver() {
  loading ??= Promise.all([import('../db/client.ts'), import('../db/migrate.ts')]);
  return loading;
}

/** Opens a pool on `options.url` and migrates its database (closing the pool if that fails). */
async function openMigrated(options: DatabaseOptions): Promise<Database> {
  const [{ openDatabase }, { migrate }] = await driver();
  const database = await openDatabase(options);
  try {
    await migrate(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

/** Owns the cluster: closing the database also stops it and gives the data directory back. */
async function embedded(dataDir: string): Promise<Database> {
  const memory = isMemoryDataDir(dataDir);
  const home = memory ? mkdtempSync(join(tmpdir(), 'iris-memory-')) : dataDir;
  const release = memory ? () => rmSync(home, { recursive: true, force: true }) : claimDataDir(home);
  void driver().catch(() => {}); // loads while the cluster starts; awaited (and its error seen) below
  let cluster: EmbeddedCluster;
  try {
    cluster = await startEmbeddedCluster(home, { durable: !memory });
  } catch (error) {
    release();
    throw error;
  }
  let database: Database;
  try {
    database = await openMigrated({ url: cluster.url, kind: 'embedded' });
  } catch (error) {
    await cluster.stop();
    release();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    ...database,
    close() {
      closing ??= (async () => {
        try {
          await database.close();
          await cluster.stop();
        } finally {
          release();
        }
      })();
      return closing;
    },
  };
}

export async function openMigratedDatabase(env: Env): Promise<Database> {
  if (env.DATABASE_URL) return openMigrated({ url: env.DATABASE_URL });
  return embedded(env.IRIS_DATA_DIR);
}

/**
 * For operator commands: the embedded cluster of a server running on IRIS_DATA_DIR is used as it is
 * (real connections, so the command works while the server runs); otherwise the database is opened as
 * the server would open it, for the length of the command.
 */
export async function openOperatorDatabase(env: Env): Promise<Database> {
  const running =
    !env.DATABASE_URL && !isMemoryDataDir(env.IRIS_DATA_DIR)
      ? runningClusterUrl(env.IRIS_DATA_DIR)
      : undefined;
  if (running) return openMigrated({ url: running, kind: 'embedded', maxConnections: 2 });
  return openMigratedDatabase(env);
}
