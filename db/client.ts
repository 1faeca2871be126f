/**
 * Database client factory: embedded PGlite by default, PostgreSQL through postgres.js when a URL is
 * given. Both are wrapped by drizzle so the rest of the code sees one `Db` type.
 */
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';

export type Db = PgDatabase<PgQueryResultHKT>;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Round-trip check used by /health. */
  ping(): Promise<void>;
  /**
   * Subscribes to NOTIFY on a channel. `onConnect` runs each time the listening connection is
   * (re)established, when notifications may have been missed. Resolves to an unsubscribe function.
   */
  listen(
    channel: string,
    onMessage: (payload: string) => void,
    onConnect: () => void,
  ): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when set PostgreSQL is used. */
  url?: string | undefined;
  /** PGlite data directory or `memory://`. */
  dataDir?: string | undefined;
  /** postgres.js pool size. */
  maxConnections?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const client = postgres(options.url, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      connection: { TimeZone: 'UTC' },
    });
    const db = drizzlePostgres({ client }) as unknown as Db;
    return {
      db,
      kind: 'postgres',
      ping: async () => {
        await client`select 1`;
      },
      listen: async (channel, onMessage, onConnect) => {
        const { unlisten } = await client.listen(channel, onMessage, onConnect);
        return unlisten;
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  const dataDir = options.dataDir ?? 'memory://';
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  await client.exec(`SET TIME ZONE 'UTC'`);
  const db = drizzlePglite({ client }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    ping: async () => {
      await client.query('select 1');
    },
    listen: async (channel, onMessage, onConnect) => {
      const unlisten = await client.listen(channel, onMessage);
      onConnect();
      return () => unlisten();
    },
    close: () => client.close(),
  };
}

/** Runs raw SQL and returns its rows whatever the driver (postgres.js gives an array, PGlite `{rows}`). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  if (Array.isArray(result)) return result as T[];
  return (result as { rows: T[] }).rows;
}
