/**
 * Once per `npm test`: the PostgreSQL server the suite runs on (DATABASE_URL, or an embedded cluster
 * started here in a temporary directory, fsync off) and a migrated template database that every test
 * file copies into a database of its own (test/helpers/test-database.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../db/client.ts';
import { type EmbeddedCluster, startEmbeddedCluster } from '../db/embedded-cluster.ts';
import { migrate } from '../db/migrate.ts';
import { withDatabase } from './helpers/database-url.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a database on the test server from which databases can be created and dropped. */
    databaseServerUrl: string;
    /** The migrated database each test file's database is copied from. */
    templateDatabase: string;
  }
}

async function adminQuery(serverUrl: string, statement: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const configured = process.env.DATABASE_URL?.trim() || undefined;
  let cluster: EmbeddedCluster | undefined;
  let home: string | undefined;
  if (!configured) {
    home = mkdtempSync(join(tmpdir(), 'iris-test-pg-'));
    // Test files run in parallel, each with its pools and often child servers with theirs.
    cluster = await startEmbeddedCluster(home, { durable: false, settings: { max_connections: 400 } });
  }
  const serverUrl = configured ?? (cluster as EmbeddedCluster).serverUrl;
  const template = `iris_template_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `create database ${template}`);
  const database = await openDatabase({ url: withDatabase(serverUrl, template), maxConnections: 1 });
  try {
    await migrate(database.db);
  } finally {
    await database.close();
  }
  project.provide('databaseServerUrl', serverUrl);
  project.provide('templateDatabase', template);

  return async () => {
    try {
      await adminQuery(serverUrl, `drop database if exists ${template} with (force)`);
    } finally {
      await cluster?.stop();
      if (home) rmSync(home, { recursive: true, force: true });
    }
  };
}
