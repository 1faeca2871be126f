/**
 * The two commands a newcomer runs, as real processes on the embedded default (no DATABASE_URL): `npm
 * start` (its esbuild bundle) initialises and starts a PostgreSQL cluster in IRIS_DATA_DIR, prints the first key once, keeps
 * data across restarts and stops the cluster on SIGTERM; a second server on the same directory is
 * refused with a clear message; the operator command works while the server runs and when it does not;
 * a run killed with SIGKILL (its cluster left running) and a stale postmaster.pid are recovered.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processAlive as alive } from '../../db/process-alive.ts';
import { api } from '../helpers/api.ts';
import { runToEnd, type ServerProcess, spawnNpmStart } from '../helpers/spawn-server.ts';

const KEY = /API key \(shown once, store it now\): (is_live_[A-Za-z0-9_-]+)/;

let dataDir: string;
let env: Record<string, string>;
let running: ServerProcess | undefined;

/** The postmaster's pid while its lock file exists. */
function postmasterPid(): number | undefined {
  const file = join(dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  return Number(readFileSync(file, 'utf8').split('\n')[0]);
}

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'iris-boot-'));
  env = { IRIS_DATA_DIR: dataDir };
});
afterAll(async () => {
  await running?.stop();
  // A failed assertion may leave a killed run's cluster behind.
  const pid = postmasterPid();
  if (pid && alive(pid)) process.kill(pid, 'SIGINT');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start on the embedded PostgreSQL', () => {
  let firstKey: string;

  it('on first start creates the cluster and the owner with an admin key, printed once, and serves the API', async () => {
    running = await spawnNpmStart(env);
    expect(running.stdout()).toContain('(database: embedded)');
    const match = KEY.exec(running.stdout());
    expect(match).not.toBeNull();
    firstKey = match?.[1] as string;
    const health = await api(running.url, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.data.database).toEqual({ kind: 'embedded', status: 'ok' });
    const me = await api(running.url, 'GET', '/keys/me', { key: firstKey });
    expect(me.status).toBe(200);
    expect(me.body.data.scopes).toEqual(['*']);
    expect(existsSync(join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(alive(postmasterPid() as number)).toBe(true);
  });

  it('refuses a second server on the same data directory with a clear message', async () => {
    const result = await runToEnd('src/main.ts', [], { ...env, HOST: '127.0.0.1', PORT: '0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`is in use by iris process ${running?.serverPid}`);
    // The running server is untouched.
    expect((await api(running?.url as string, 'GET', '/keys/me', { key: firstKey })).status).toBe(200);
  });

  it('runs the operator command while the server runs, on the server’s cluster', async () => {
    const result = await runToEnd('src/cli/main.ts', ['admin', 'create-user', 'live@example.com'], env);
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout);
    const live = await api(running?.url as string, 'GET', '/keys/me', { key: printed.api_key });
    expect(live.status).toBe(200);
    expect(live.body.data.user_id).toBe(printed.user_id);
  });

  it('stops the server and its cluster on SIGTERM', async () => {
    const pid = postmasterPid() as number;
    const server = running as ServerProcess;
    await server.stop();
    running = undefined;
    expect(alive(server.serverPid)).toBe(false);
    expect(alive(pid)).toBe(false);
    expect(postmasterPid()).toBeUndefined();
    expect(existsSync(join(dataDir, 'iris.pid'))).toBe(false);
  });

  it('creates an account from the operator command with no server running, and the server keeps it', async () => {
    const result = await runToEnd('src/cli/main.ts', ['admin', 'create-user', 'Alice@Example.com'], env);
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed.email).toBe('alice@example.com');
    expect(printed.api_key).toMatch(/^is_live_/);
    // The command stopped the cluster it started.
    expect(postmasterPid()).toBeUndefined();

    const again = await runToEnd('src/cli/main.ts', ['admin', 'create-user', 'alice@example.com'], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    const bad = await runToEnd('src/cli/main.ts', ['admin', 'create-user', 'not-an-email'], env);
    expect(bad.code).toBe(2);

    running = await spawnNpmStart(env);
    expect(KEY.test(running.stdout())).toBe(false);
    expect((await api(running.url, 'GET', '/keys/me', { key: firstKey })).status).toBe(200);
    const alice = await api(running.url, 'GET', '/keys/me', { key: printed.api_key });
    expect(alice.status).toBe(200);
    expect(alice.body.data.user_id).toBe(printed.user_id);
  });

  it('restarts after SIGKILL: the cluster the killed run left is taken over and the data is intact', async () => {
    const server = running as ServerProcess;
    const created = await api(server.url, 'POST', '/campaigns', {
      key: firstKey,
      body: { name: 'before the kill', objective_type: 'product_promotion' },
    });
    expect(created.status).toBe(201);
    const orphan = postmasterPid() as number;
    process.kill(server.serverPid, 'SIGKILL');
    await server.stop();
    running = undefined;
    // Nothing stopped the cluster: it outlives the server.
    expect(alive(orphan)).toBe(true);

    running = await spawnNpmStart(env);
    expect(alive(orphan)).toBe(false);
    expect(postmasterPid()).not.toBe(orphan);
    const read = await api(running.url, 'GET', `/campaigns/${created.body.data.id}`, { key: firstKey });
    expect(read.status).toBe(200);
    expect(read.body.data.name).toBe('before the kill');
    await running.stop();
    running = undefined;
    expect(postmasterPid()).toBeUndefined();
  });

  it('starts over a postmaster.pid naming a process that is not PostgreSQL', async () => {
    const lock = join(dataDir, 'postgres', 'postmaster.pid');
    // This test's own pid: alive, so PostgreSQL alone would refuse to start.
    writeFileSync(lock, `${process.pid}\n${join(dataDir, 'postgres')}\n0\n5432\n\n127.0.0.1\n0 0\nready\n`);
    running = await spawnNpmStart(env);
    expect((await api(running.url, 'GET', '/keys/me', { key: firstKey })).status).toBe(200);
    expect(postmasterPid()).not.toBe(process.pid);
  });

  it('stops with a readable message on bad configuration', async () => {
    const result = await runToEnd('src/main.ts', [], {
      ...env,
      PORT: 'eighty',
      IRIS_BOOTSTRAP_API_KEY: 'secret',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('PORT');
    expect(result.stderr).toContain('IRIS_BOOTSTRAP_API_KEY');
  });
});
