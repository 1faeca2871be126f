/**
 * A database of its own for one test file: an in-memory PGlite, or with DATABASE_URL a fresh PostgreSQL
 * database created for the file and dropped afterwards. Migrated either way.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { type Database, openDatabase } from '../../db/client.ts';
import { migrate } from '../../db/migrate.ts';

export const POSTGRES_URL = process.env.DATABASE_URL?.trim() || undefined;

export interface TestDatabase extends Database {
  /** Connection URL when PostgreSQL, for child processes sharing it. */
  url?: string;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (!POSTGRES_URL) {
    const database = await openDatabase({ dataDir: 'memory://' });
    await migrate(database.db);
    return database;
  }
  const name = `iris_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = withDatabase(POSTGRES_URL, name);
  const database = await openDatabase({ url });
  await migrate(database.db);
  return {
    ...database,
    url,
    async close() {
      await database.close();
      const dropper = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
      await dropper.unsafe(`drop database if exists ${name} with (force)`);
      await dropper.end();
    },
  };
}
