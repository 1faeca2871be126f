/**
 * Real server processes (test/jobs/fixtures/job-server.ts: src/main.ts's start with the test job kinds)
 * on one PostgreSQL database: two of them never run one job twice (200 jobs fired at once, effects
 * counted), and a server killed with SIGKILL in the middle of a job leaves nothing behind: its
 * transaction dies with it, and after a restart the expired lease is claimed again and the job completes
 * once.
 */
import type { ChildProcess } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { queryRows } from '../../db/client.ts';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { runTsx } from '../helpers/spawn-server.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';
import { createEffectsTable, effectsOf, jobRow } from './support.ts';

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

let database: TestDatabase;
const children = new Set<ChildProcess>();

function start(env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = runTsx('test/jobs/fixtures/job-server.ts', [], {
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'error',
    DATABASE_URL: database.url,
    IRIS_ENCRYPTION_KEY: 'ef'.repeat(32),
    JOBS_POLL_INTERVAL_MS: '200',
    ...env,
  });
  children.add(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start: ${out} ${err}`)), START_TIMEOUT_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/iris listening on http:\/\/\S+/.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code ?? signal}) before listening: ${out} ${err}`));
    });
  });
}

/** SIGTERM (SIGKILL if it does not stop in time); resolves with the exit code. */
async function stop(child: ChildProcess): Promise<number | null> {
  children.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  const code = await exited;
  clearTimeout(killer);
  return code;
}

beforeAll(async () => {
  database = await createTestDatabase();
  await createEffectsTable(database.db);
});
afterAll(async () => {
  await Promise.all([...children].map(stop));
  await database?.close();
});

const count = async (query: ReturnType<typeof sql>) =>
  (await queryRows<{ n: number }>(database.db, query))[0]?.n;

describe('two server processes on one database', () => {
  it('run 200 jobs fired at once exactly once between them', async () => {
    const [a, b] = await Promise.all([start({ JOBS_CONCURRENCY: '4' }), start({ JOBS_CONCURRENCY: '4' })]);
    const ids = await database.db.transaction(async (tx) => {
      const made: string[] = [];
      for (let i = 0; i < 200; i++) {
        const id = await enqueue(tx, { kind: 'test.effect', payload: { i }, dedupeKey: `fire:${i}` });
        if (id) made.push(id);
      }
      return made;
    });
    expect(ids).toHaveLength(200);
    await vi.waitFor(
      async () => {
        const done = await count(
          sql`select count(*)::int as n from jobs where dedupe_key like 'fire:%' and state = 'done'`,
        );
        if (done !== 200) throw new Error(`${done} of 200 done`);
      },
      { timeout: 30_000, interval: 50 },
    );
    const effects = await effectsOf(database.db);
    expect(effects).toHaveLength(200);
    expect(new Set(effects.map((effect) => effect.job_id))).toEqual(new Set(ids));
    expect(effects.every((effect) => effect.attempt === 1)).toBe(true);
    // Both processes took part.
    expect(new Set(effects.map((effect) => effect.worker)).size).toBe(2);
    expect(
      await count(sql`select count(*)::int as n from jobs where dedupe_key like 'fire:%' and attempts <> 1`),
    ).toBe(0);
    expect(await Promise.all([stop(a), stop(b)])).toEqual([0, 0]);
  }, 90_000);
});

describe('a server killed mid-job', () => {
  it('leaves no effect; after a restart the expired lease is claimed again and the job completes once', async () => {
    const lease = { JOBS_LEASE_MS: '1500' };
    const first = await start(lease);
    const id = await database.db.transaction((tx) =>
      enqueue(tx, { kind: 'test.hold', payload: {}, dedupeKey: 'killed' }),
    );
    if (!id) throw new Error('not enqueued');
    await vi.waitFor(
      async () => {
        const row = await jobRow(database.db, id);
        if (row.state !== 'running') throw new Error(`job is ${row.state}`);
      },
      { timeout: 10_000, interval: 20 },
    );
    // The handler has written its effect and holds its transaction open: kill the process there.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const exited = new Promise((resolve) => first.once('exit', resolve));
    first.kill('SIGKILL');
    children.delete(first);
    await exited;
    const orphaned = await jobRow(database.db, id);
    expect(orphaned).toMatchObject({ state: 'running', attempts: 1 });
    expect(orphaned.lockedBy).toContain(`:${first.pid}:`);
    expect(await effectsOf(database.db, id)).toEqual([]);

    const second = await start(lease);
    const done = await vi.waitFor(
      async () => {
        const row = await jobRow(database.db, id);
        if (row.state !== 'done') throw new Error(`job is ${row.state}`);
        return row;
      },
      { timeout: 15_000, interval: 50 },
    );
    expect(done.attempts).toBe(2);
    expect(done.lastError).toMatch(/^attempt 1 lost its lease/);
    expect(await effectsOf(database.db, id)).toEqual([
      { job_id: id, attempt: 2, worker: `pid ${second.pid}` },
    ]);
    expect(await stop(second)).toBe(0);
  }, 90_000);
});
