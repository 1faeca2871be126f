/**
 * The PostgreSQL server the bench runs on: the one at DATABASE_URL, or by default what `npm start` uses, an
 * embedded cluster (same durable settings) started in a temporary directory and removed at the end. Each
 * section creates its own scratch database on it (scratch-database.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedCluster } from '../../db/embedded-cluster.ts';

export interface BenchDatabaseServer {
  /** A URL on the server from which databases can be created. */
  url: string;
  kind: 'embedded' | 'postgres';
  /** The embedded cluster's postmaster, whose processes count in the memory figures. */
  postmasterPid: number | undefined;
  stop(): Promise<void>;
}

export async function startBenchDatabaseServer(): Promise<BenchDatabaseServer> {
  const configured = process.env.DATABASE_URL?.trim();
  return configured ? postgresServer(configured) : await startEmbeddedServer();
}

/** A PostgreSQL server the bench does not run: nothing to stop. */
export function postgresServer(url: string): BenchDatabaseServer {
  return { url, kind: 'postgres', postmasterPid: undefined, stop: async () => {} };
}

/** An embedded cluster in a temporary directory, removed when it stops. */
export async function startEmbeddedServer(): Promise<BenchDatabaseServer> {
  const home = mkdtempSync(join(tmpdir(), 'iris-bench-pg-'));
  const cluster = await startEmbeddedCluster(home);
  return {
    url: cluster.serverUrl,
    kind: 'embedded',
    postmasterPid: cluster.pid,
    async stop() {
      await cluster.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** For the report: the server without credentials. */
export function describeServer(server: BenchDatabaseServer, scratches: readonly string[]): string {
  const where =
    server.kind === 'embedded'
      ? 'embedded PostgreSQL 18 (a cluster started by the bench, as npm start does)'
      : 'PostgreSQL at DATABASE_URL';
  return `${where}; fresh database${scratches.length > 1 ? 's' : ''} ${scratches.join(', ')}, dropped at the end`;
}
