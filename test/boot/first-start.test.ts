/**
 * The two commands a newcomer runs: `npm start` as a real process (first key printed once, data kept
 * across restarts, clean shutdown) and the operator command that creates an account.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.ts';
import { runToEnd, type ServerProcess, spawnServer } from '../helpers/spawn-server.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

const KEY = /API key \(shown once, store it now\): (is_live_[A-Za-z0-9_-]+)/;

let dataDir: string;
let database: TestDatabase | undefined;
let env: Record<string, string>;
let running: ServerProcess | undefined;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'iris-boot-'));
  env = { IRIS_DATA_DIR: dataDir };
  if (process.env.DATABASE_URL) {
    database = await createTestDatabase();
    env.DATABASE_URL = database.url as string;
  }
});
afterAll(async () => {
  await running?.stop();
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  let firstKey: string;

  it('on first start creates the owner with an admin key, printed once, and serves the API', async () => {
    running = await spawnServer(env);
    const match = KEY.exec(running.stdout());
    expect(match).not.toBeNull();
    firstKey = match?.[1] as string;
    const health = await api(running.url, 'GET', '/health');
    expect(health.status).toBe(200);
    const me = await api(running.url, 'GET', '/keys/me', { key: firstKey });
    expect(me.status).toBe(200);
    expect(me.body.data.scopes).toEqual(['*']);
  });

  it('refuses a second operator process on the embedded database while the server runs', async () => {
    if (env.DATABASE_URL) {
      // PostgreSQL serves several processes: the operator command works while the server runs.
      const result = await runToEnd('src/cli/main.ts', ['admin', 'create-user', 'live@example.com'], env);
      expect(result.code).toBe(0);
      return;
    }
    const result = await runToEnd('src/cli/main.ts', ['admin', 'create-user', 'late@example.com'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('stop it first');
  });

  it('stops cleanly on SIGTERM', async () => {
    expect(await running?.stop()).toBe(0);
    running = undefined;
  });

  it('creates an account from the operator command and prints its first key', async () => {
    const result = await runToEnd('src/cli/main.ts', ['admin', 'create-user', 'Alice@Example.com'], env);
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed.email).toBe('alice@example.com');
    expect(printed.api_key).toMatch(/^is_live_/);

    const again = await runToEnd('src/cli/main.ts', ['admin', 'create-user', 'alice@example.com'], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
    const bad = await runToEnd('src/cli/main.ts', ['admin', 'create-user', 'not-an-email'], env);
    expect(bad.code).toBe(2);

    running = await spawnServer(env);
    expect(KEY.test(running.stdout())).toBe(false);
    expect((await api(running.url, 'GET', '/keys/me', { key: firstKey })).status).toBe(200);
    const alice = await api(running.url, 'GET', '/keys/me', { key: printed.api_key });
    expect(alice.status).toBe(200);
    expect(alice.body.data.user_id).toBe(printed.user_id);
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
