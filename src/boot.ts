/**
 * Opens the configured database, applies migrations and runs the first-start bootstrap. Shared by the
 * server and the operator CLI.
 */
import { type Database, openDatabase } from '../db/client.ts';
import { migrate } from '../db/migrate.ts';
import type { Env } from './env.ts';

export function usesEmbeddedDatabase(env: Env): boolean {
  return !env.DATABASE_URL && !env.IRIS_DATA_DIR.startsWith('memory://');
}

export async function openMigratedDatabase(env: Env): Promise<Database> {
  const database = await openDatabase({ url: env.DATABASE_URL, dataDir: env.IRIS_DATA_DIR });
  try {
    await migrate(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}
