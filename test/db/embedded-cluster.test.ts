/**
 * The embedded cluster on its own: started in a fresh directory (initdb), found by an operator command
 * while it runs, stopped (twice is fine), started again with its data, settings passed through, and
 * failures reported with PostgreSQL's own reason instead of a hang or a bare exit code.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type EmbeddedCluster,
  EmbeddedClusterError,
  runningClusterUrl,
  startEmbeddedCluster,
} from '../../db/embedded-cluster.ts';

let home: string;
let cluster: EmbeddedCluster | undefined;

async function query<T extends Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return (await sql.unsafe(text)) as unknown as T[];
  } finally {
    await sql.end({ timeout: 5 });
  }
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'iris-cluster-'));
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('startEmbeddedCluster', () => {
  it('creates a cluster with an iris database, reachable over 127.0.0.1 with the stored password only', async () => {
    cluster = await startEmbeddedCluster(home, { durable: false, settings: { max_connections: 37 } });
    expect(cluster.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/iris$/);
    const [row] = await query<{ db: string; fsync: string; max: string; encoding: string }>(
      cluster.url,
      `select current_database() as db, current_setting('fsync') as fsync,
              current_setting('max_connections') as max, current_setting('server_encoding') as encoding`,
    );
    expect(row).toEqual({ db: 'iris', fsync: 'off', max: '37', encoding: 'UTF8' });
    await query(cluster.url, 'create table kept (id int primary key); insert into kept values (1)');
    const wrong = new URL(cluster.url);
    wrong.password = 'wrong';
    await expect(query(wrong.toString(), 'select 1')).rejects.toThrow(/password authentication failed/);
    expect(readdirSync(home).sort()).toEqual(['postgres', 'postgres-password']);
  });

  it('is found by runningClusterUrl while it runs, and not after it stopped (twice)', async () => {
    const running = cluster as EmbeddedCluster;
    expect(runningClusterUrl(home)).toBe(running.url);
    await running.stop();
    await running.stop();
    expect(runningClusterUrl(home)).toBeUndefined();
    cluster = undefined;
  });

  it('starts again on its data, on a new port', async () => {
    cluster = await startEmbeddedCluster(home, { durable: false });
    const rows = await query<{ id: number }>(cluster.url, 'select id from kept');
    expect(rows).toEqual([{ id: 1 }]);
    await cluster.stop();
    cluster = undefined;
  });

  it('reports why PostgreSQL refused to start', async () => {
    const failure = startEmbeddedCluster(home, { durable: false, settings: { no_such_setting: 1 } });
    await expect(failure).rejects.toBeInstanceOf(EmbeddedClusterError);
    await expect(failure).rejects.toThrow(/unrecognized configuration parameter "no_such_setting"/);
    expect(runningClusterUrl(home)).toBeUndefined();
  });

  it('refuses setting values a shell would have to quote', async () => {
    await expect(
      startEmbeddedCluster(home, { durable: false, settings: { application_name: 'a b' } }),
    ).rejects.toThrow(/unsupported PostgreSQL setting/);
  });

  it('refuses a postgres directory that holds no cluster, and leaves it alone', async () => {
    const other = mkdtempSync(join(tmpdir(), 'iris-cluster-'));
    try {
      mkdirSync(join(other, 'postgres'));
      await expect(startEmbeddedCluster(other)).rejects.toThrow(/holds no PostgreSQL cluster/);
      expect(readdirSync(join(other, 'postgres'))).toEqual([]);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
