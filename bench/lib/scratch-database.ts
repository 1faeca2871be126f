/**
 * A fresh database `bench_<random>` on the bench's PostgreSQL server (bench-database.ts), created at the
 * start of a section and dropped at the end.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export interface ScratchDatabase {
  name: string;
  /** The connection URL for the children. */
  url: string;
  /** The server, without credentials, for the report. */
  display: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

export async function createScratchDatabase(serverUrl: string): Promise<ScratchDatabase> {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const parsed = new URL(serverUrl);
  let dropped = false;
  return {
    name,
    url: withDatabase(serverUrl, name),
    display: `${parsed.hostname}:${parsed.port || '5432'}/${name}`,
    async drop() {
      if (dropped) return;
      dropped = true;
      const dropper = postgres(serverUrl, { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`drop database if exists ${name} with (force)`);
      } finally {
        await dropper.end({ timeout: 5 });
      }
    },
  };
}
