/**
 * A database of its own for one test file: a copy of the migrated template made by the global setup
 * (test/global-setup.ts), on the embedded cluster or the server at DATABASE_URL, dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../db/client.ts';
import { withDatabase } from './database-url.ts';

export interface TestDatabase extends Database {
  /** Connection URL, for child processes and second pools sharing the database. */
  url: string;
}

async function onServer(statement: string): Promise<void> {
  const admin = postgres(inject('databaseServerUrl'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/**
 * A new database, migrated and without rows (or with `empty`, without even the schema: for tests of
 * migrating itself); `close` drops it.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `iris_test_${randomBytes(6).toString('hex')}`;
  const template = options.empty ? 'template0' : inject('templateDatabase');
  await onServer(`create database ${name} template ${template}`);
  const url = withDatabase(inject('databaseServerUrl'), name);
  const database = await openDatabase({ url });
  return {
    ...database,
    url,
    async close() {
      await database.close();
      await onServer(`drop database if exists ${name} with (force)`);
    },
  };
}
