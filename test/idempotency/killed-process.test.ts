/**
 * A server killed (SIGKILL) while it runs a request with an Idempotency-Key leaves nothing behind: the
 * key was claimed in the request's own transaction, which dies with the process, so the client's resend
 * to a restarted server executes (once) instead of waiting out a lease nobody holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns, idempotencyKeys } from '../../db/schema.ts';
import { bootstrap } from '../../src/bootstrap.ts';
import { api } from '../helpers/api.ts';
import { type ServerProcess, spawnServer } from '../helpers/spawn-server.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
let dataDir: string;
let key: string;
const running = new Set<ServerProcess>();

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'iris-idem-'));
  database = await createTestDatabase();
  const boot = await bootstrap(database.db, { ownerEmail: 'owner@example.com' });
  if (!boot.firstKey?.raw) throw new Error('bootstrap created no key');
  key = boot.firstKey.raw;
  // Campaigns named "slow" take their time to insert: long enough to kill the server mid-transaction.
  await database.db.execute(sql`create function slow_campaign() returns trigger language plpgsql as $$
    begin if new.name = 'slow' then perform pg_sleep(2); end if; return new; end $$`);
  await database.db.execute(
    sql`create trigger slow before insert on campaigns for each row execute function slow_campaign()`,
  );
});
afterAll(async () => {
  for (const server of running) await server.stop();
  await database?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function start(): Promise<ServerProcess> {
  const server = await spawnServer({
    DATABASE_URL: database.url,
    IRIS_ENCRYPTION_KEY: 'cd'.repeat(32),
    IRIS_DATA_DIR: dataDir,
  });
  running.add(server);
  return server;
}

async function sleepingBackends(): Promise<number> {
  const rows = await database.db.execute(
    sql`select count(*)::int as n from pg_stat_activity where wait_event = 'PgSleep'`,
  );
  const [row] = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as { n: number }[];
  return row?.n ?? 0;
}

describe('an Idempotency-Key whose server was killed mid-request', () => {
  it('is free at once after a restart: the resend executes and creates one campaign', async () => {
    const body = { name: 'slow', objective_type: 'product_promotion' };
    const headers = { 'idempotency-key': 'killed-mid-request' };
    const first = await start();
    const lost = api(first.url, 'POST', '/campaigns', { key, headers, body }).catch(() => undefined);
    const deadline = Date.now() + 10_000;
    while ((await sleepingBackends()) === 0) {
      if (Date.now() > deadline) throw new Error('the request never reached the campaign insert');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    first.child.kill('SIGKILL');
    running.delete(first);
    await lost;

    const second = await start();
    const resent = await api(second.url, 'POST', '/campaigns', { key, headers, body });
    expect(resent.status, resent.text).toBe(201);
    expect(resent.headers.get('idempotent-replayed')).toBeNull();
    const replayed = await api(second.url, 'POST', '/campaigns', { key, headers, body });
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(replayed.body.data.id).toBe(resent.body.data.id);

    const rows = await database.db.select().from(campaigns).where(eq(campaigns.name, 'slow'));
    expect(rows.map((row) => row.id)).toEqual([resent.body.data.id]);
    const claims = await database.db
      .select()
      .from(idempotencyKeys)
      .where(eq(idempotencyKeys.key, 'killed-mid-request'));
    expect(claims.map((claim) => claim.state)).toEqual(['completed']);
  });
});
