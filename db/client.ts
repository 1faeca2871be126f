/**
 * Database client factory: PostgreSQL through postgres.js, wrapped by drizzle, whether the server is the
 * embedded cluster iris started (db/embedded-cluster.ts) or one named by DATABASE_URL.
 */
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { preparedByDefault } from './prepared-statements.ts';

export type Db = PgDatabase<PgQueryResultHKT>;

export interface Database {
  db: Db;
  /** `embedded`: the cluster iris started in IRIS_DATA_DIR; `postgres`: a server at DATABASE_URL. */
  kind: 'embedded' | 'postgres';
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
  /** postgres:// URL. */
  url: string;
  kind?: Database['kind'];
  /** postgres.js pool size. */
  maxConnections?: number;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const client = postgres(options.url, {
    max: options.maxConnections ?? 10,
    onnotice: () => {},
    connection: { TimeZone: 'UTC' },
  });
  const db = drizzle({ client: preparedByDefault(client) }) as unknown as Db;
  return {
    db,
    kind: options.kind ?? 'postgres',
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

/** Runs raw SQL and returns its rows (postgres.js answers with an array of row objects). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  return (await db.execute(query)) as unknown as T[];
}
