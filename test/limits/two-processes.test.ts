/**
 * Two real server processes (`node --import tsx src/main.ts`) sharing one PostgreSQL database: with
 * RATE_LIMIT_STORE=postgres they enforce one limit between them; with the memory store each process
 * counts alone, so the same request sequence is not limited (which shows the test tells the stores apart).
 * The database starts empty: both processes migrate it at once (migrations are advisory-locked).
 *
 * The child processes use the real clock, so the sequences count against the one-minute campaign
 * mutation limit (30) in batches of 15, a second apart: no burst window is ever full, and the only
 * timing assumption is that a sequence of 32 requests takes less than a minute (checked).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { users } from '../../db/schema.ts';
import { insertKey } from '../../src/domain/api-keys/insert-key.ts';
import { type ApiResponse, api } from '../helpers/api.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

interface IrisProcess {
  url: string;
  child: ChildProcess;
}

/** Every child this file started, so afterAll can stop them whatever happened. */
const children = new Set<ChildProcess>();

function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...extra };
}

function startIris(env: Record<string, string>): Promise<IrisProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise<IrisProcess>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`iris did not start within ${START_TIMEOUT_MS} ms:\n${stdout}\n${stderr}`)),
      START_TIMEOUT_MS,
    );
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const match = /iris listening on (http:\/\/\S+)/.exec(stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ url: match[1], child });
      }
    });
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`iris exited (${code ?? signal}) before listening:\n${stdout}\n${stderr}`));
    });
  });
}

/** SIGTERM, then wait for the exit (SIGKILL if it does not come); resolves with the exit code. */
async function stopChild(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) {
    children.delete(child);
    return child.exitCode;
  }
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  const code = await exited;
  clearTimeout(killer);
  children.delete(child);
  return code;
}

/** 'is_live_' and 32 random base64url characters. */
function generateApiKey(): string {
  return `is_live_${randomBytes(24).toString('base64url')}`;
}

const createCampaign = (url: string, key: string, name: string) =>
  api(url, 'POST', '/campaigns', { key, body: { name, objective_type: 'product_promotion' } });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * 30 campaign creations alternating between the processes, in two batches of 15 one second apart (so
 * the 20/s burst limit never applies), then one more to each process.
 */
async function thirtyTwoCreations(urls: readonly [string, string], key: string): Promise<ApiResponse[]> {
  const start = Date.now();
  const responses: ApiResponse[] = [];
  for (let batch = 0; batch < 2; batch++) {
    for (let i = 0; i < 15; i++)
      responses.push(await createCampaign(urls[i % 2] as string, key, `c${batch}-${i}`));
    await sleep(1_100);
  }
  responses.push(await createCampaign(urls[1], key, 'extra-b'));
  responses.push(await createCampaign(urls[0], key, 'extra-a'));
  expect(Date.now() - start, 'precondition: the sequence ran within one minute').toBeLessThan(60_000);
  return responses;
}

describe('two server processes sharing one PostgreSQL database', () => {
  let database: TestDatabase;
  const bootstrapKey = generateApiKey();

  const envFor = (store: 'memory' | 'postgres'): Record<string, string> => ({
    HOST: '127.0.0.1',
    PORT: '0',
    RATE_LIMIT_STORE: store,
    DATABASE_URL: database.url,
    IRIS_BOOTSTRAP_API_KEY: bootstrapKey,
    IRIS_ENCRYPTION_KEY: 'a'.repeat(64),
    LOG_LEVEL: 'error',
  });

  /** A fresh key of the owner, written to the database directly. */
  async function insertWriteKey(name: string): Promise<string> {
    const [owner] = await database.db
      .select({ id: users.id })
      .from(users)
      .where(eq(users.kind, 'owner'))
      .limit(1);
    if (!owner) throw new Error('bootstrap created no owner');
    // Over 50 campaigns are made here: the pro plan's period limit is not what this file is about.
    await database.db.update(users).set({ plan: 'agency' }).where(eq(users.id, owner.id));
    const key = await insertKey(
      database.db,
      { userId: owner.id, name, scopes: ['read', 'write'], expiresAt: null },
      new Date(),
    );
    return key.key;
  }

  beforeAll(async () => {
    database = await createTestDatabase({ empty: true });
  });
  afterAll(async () => {
    await Promise.all([...children].map(stopChild));
    await database?.close();
  });

  describe('RATE_LIMIT_STORE=postgres', () => {
    let a: IrisProcess;
    let b: IrisProcess;
    beforeAll(async () => {
      // Both boot at once against the fresh database (migrations and bootstrap are advisory-locked).
      [a, b] = await Promise.all([startIris(envFor('postgres')), startIris(envFor('postgres'))]);
      expect(a.url).not.toBe(b.url);
    });

    it('shares one campaign mutation limit: 30 pass across both processes, the next is 429 on either', async () => {
      const key = await insertWriteKey('shared');
      const responses = await thirtyTwoCreations([a.url, b.url], key);
      responses.slice(0, 30).forEach((response, i) => {
        expect(response.status, `request ${i + 1} (process ${i % 2 ? 'b' : 'a'})`).toBe(201);
      });
      for (const limited of responses.slice(30)) {
        expect(limited.status).toBe(429);
        expect(limited.body.error.code).toBe('RATE_001');
        expect(limited.body.limit).toBe(30);
        expect(limited.headers.get('x-ratelimit-limit')).toBe('30');
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    });

    it('stops a key revoked through one process on the other within milliseconds, though the other had cached it', async () => {
      const key = await insertWriteKey('revoked elsewhere');
      const me = await api(b.url, 'GET', '/keys/me', { key });
      expect(me.status).toBe(200);
      const revoked = await api(a.url, 'DELETE', `/keys/${me.body.data.id}`, { key: bootstrapKey });
      expect(revoked.status).toBe(200);
      // The other process learns through NOTIFY, milliseconds after the commit; never later than a second.
      const started = Date.now();
      const after = await vi.waitFor(
        async () => {
          const response = await api(b.url, 'GET', '/keys/me', { key });
          if (response.status !== 401) throw new Error(`still ${response.status}`);
          return response;
        },
        { timeout: 1_000, interval: 5 },
      );
      expect(after.body.error.code).toBe('APIKEY_003');
      expect(Date.now() - started).toBeLessThan(1_000);
    });

    it('stops both processes cleanly on SIGTERM', async () => {
      expect(await Promise.all([stopChild(a.child), stopChild(b.child)])).toEqual([0, 0]);
    });
  });

  describe('RATE_LIMIT_STORE=memory (control)', () => {
    let a: IrisProcess;
    let b: IrisProcess;
    beforeAll(async () => {
      [a, b] = await Promise.all([startIris(envFor('memory')), startIris(envFor('memory'))]);
    });

    it('does not limit the same sequence: each process counts only its own 16', async () => {
      const key = await insertWriteKey('separate');
      const responses = await thirtyTwoCreations([a.url, b.url], key);
      expect(responses.map((r) => r.status)).toEqual(Array(32).fill(201));
    });

    it('stops both processes cleanly on SIGTERM', async () => {
      expect(await Promise.all([stopChild(a.child), stopChild(b.child)])).toEqual([0, 0]);
    });
  });
});
