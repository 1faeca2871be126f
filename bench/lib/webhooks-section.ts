/**
 * The webhooks section: signed deliveries from an iris child (local worker, WEBHOOKS_ALLOW_PRIVATE=true)
 * to a receiver child on 127.0.0.1 that checks every signature (bench/servers/webhook-receiver-server.ts),
 * through one endpoint subscribed to every event. Events are inserted into the `events` outbox directly,
 * so the database's fan-out trigger makes the deliveries and their jobs as it does for every change.
 *
 * - Throughput: BENCH_WEBHOOKS events (default 2,000) in one transaction per slice, timed from the commit
 *   to the last delivery received. Baseline, alternating with it in the same iris: as many no-op jobs
 *   inserted in one transaction, timed from the commit to the last done (the worker's own cost).
 * The worker's concurrency is BENCH_JOBS_CONCURRENCY (as in the jobs section; default 4).
 * - Latency: BENCH_WEBHOOKS_PACED events (default 200), one transaction each, BENCH_WEBHOOKS_RATE a
 *   second (default 50, well under the throughput), each from its occurred_at to its arrival.
 */
import postgres from 'postgres';
import { z } from 'zod';
import { type ChildServer, startChild } from './child-server.ts';
import type { BenchConfig } from './config.ts';
import { latencyOf } from './paid.ts';
import { PipelineReady } from './protocol.ts';
import { createScratchDatabase } from './scratch-database.ts';
import { fixed, formatTable } from './table.ts';

/** Deliveries per second to a local receiver (issue 16). */
export const WEBHOOKS_TARGET_PER_S = 300;
const SLICES = 2;
const WARMUP_EVENTS = 100;
const POLL_MS = 25;
const TIMEOUT_MS = 120_000;

const ReceiverReady = z.object({ url: z.url() });
const ReceiverStats = z.object({
  count: z.number().int(),
  rejected: z.number().int(),
  lastAt: z.number(),
  latenciesMs: z.array(z.number()),
});
type ReceiverStats = z.infer<typeof ReceiverStats>;
const KeyOwner = z.object({ data: z.object({ user_id: z.uuid() }) });
const CreatedWebhook = z.object({ data: z.object({ secret: z.string().min(1) }) });

export interface WebhooksSection {
  scratch: string;
  setup: string[];
  tables: string[];
  failures: string[];
}

function integerFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? String(fallback));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be an integer ≥ 1`);
  return value;
}

async function receiverStats(url: string): Promise<ReceiverStats> {
  const response = await fetch(`${url}/stats`);
  return ReceiverStats.parse(await response.json());
}

async function pollUntil(what: string, done: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + TIMEOUT_MS;
  while (!(await done())) {
    if (performance.now() > deadline)
      throw new Error(`webhooks: ${what} not done after ${TIMEOUT_MS / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Inserts `count` events in one transaction; answers the seconds from the commit to the last arrival. */
async function deliverBurst(
  sql: postgres.Sql,
  receiver: string,
  userId: string,
  count: number,
): Promise<number> {
  await fetch(`${receiver}/reset`, { method: 'POST' });
  await sql`insert into events (user_id, type, data, occurred_at)
    select ${userId}::uuid, 'contact.created', jsonb_build_object('bench', i), now()
    from generate_series(1, ${count}) as i`;
  const committed = Date.now();
  let stats: ReceiverStats | undefined;
  await pollUntil(`${count} deliveries`, async () => {
    stats = await receiverStats(receiver);
    return stats.count >= count;
  });
  return ((stats?.lastAt ?? committed) - committed) / 1000;
}

/** Inserts `count` no-op jobs in one transaction (and wakes the worker); answers the seconds to drain them. */
async function drainNoops(sql: postgres.Sql, batch: string, count: number): Promise<number> {
  await sql.begin(async (tx) => {
    await tx`insert into jobs (kind, payload, dedupe_key)
      select 'noop', jsonb_build_object('i', i), ${`bench:${batch}:`} || i from generate_series(1, ${count}) as i`;
    await tx`select pg_notify('iris_jobs', '')`;
  });
  const committed = performance.now();
  await pollUntil(`${count} no-op jobs`, async () => {
    const [left] = await sql<{ n: number }[]>`
      select count(*)::int as n from jobs where state in ('queued', 'running')`;
    return left?.n === 0;
  });
  return (performance.now() - committed) / 1000;
}

/** Runs the section; what it starts is registered in `cleanups` (the caller stops it all). */
export async function runWebhooksSection(
  config: BenchConfig,
  cleanups: (() => Promise<void>)[],
  log: (message: string) => void,
): Promise<WebhooksSection> {
  const count = integerFromEnv('BENCH_WEBHOOKS', 2000);
  const paced = integerFromEnv('BENCH_WEBHOOKS_PACED', 200);
  const rate = integerFromEnv('BENCH_WEBHOOKS_RATE', 50);
  const concurrency = process.env.BENCH_JOBS_CONCURRENCY?.trim() || undefined;
  const scratch = await createScratchDatabase(config.databaseUrl);
  cleanups.push(() => scratch.drop());
  log(`webhooks: created database ${scratch.display}`);
  const receiver: ChildServer<z.infer<typeof ReceiverReady>> = await startChild(
    'webhook-receiver-server',
    'webhook-receiver-server.ts',
    ReceiverReady,
    {},
  );
  cleanups.push(receiver.stop);
  const iris: ChildServer<PipelineReady> = await startChild(
    'pipeline-server',
    'pipeline-server.ts',
    PipelineReady,
    {
      DATABASE_URL: scratch.url,
      BENCH_KEY_COUNT: '2',
      WEBHOOKS_ALLOW_PRIVATE: 'true',
      JOBS_CONCURRENCY: concurrency,
      X402_PAY_TO: undefined,
      X402_SETTLER_PRIVATE_KEY: undefined,
      MPP_SECRET_KEY: undefined,
      STRIPE_SECRET_KEY: undefined,
    },
  );
  cleanups.push(iris.stop);
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  cleanups.push(() => sql.end({ timeout: 5 }));

  const headers = { 'content-type': 'application/json', authorization: `Bearer ${iris.ready.keys[0]}` };
  const me = await fetch(`${iris.ready.url}/keys/me`, { headers });
  const userId = KeyOwner.parse(await me.json()).data.user_id;
  const created = await fetch(`${iris.ready.url}/webhooks`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ url: `${receiver.ready.url}/hook`, events: ['*'], description: 'bench' }),
  });
  const createdText = await created.text();
  if (created.status !== 201) throw new Error(`webhooks: create answered ${created.status}: ${createdText}`);
  const { secret } = CreatedWebhook.parse(JSON.parse(createdText)).data;
  await fetch(`${receiver.ready.url}/secret`, { method: 'POST', body: secret });

  log(
    `webhooks: ${WARMUP_EVENTS} unmeasured, then ${count} events and ${count} no-op jobs in ${SLICES} slices`,
  );
  await deliverBurst(sql, receiver.ready.url, userId, WARMUP_EVENTS);
  await drainNoops(sql, 'warmup', WARMUP_EVENTS);
  const perSlice = Math.ceil(count / SLICES);
  let deliverSeconds = 0;
  let noopSeconds = 0;
  let burstLatencies: number[] = [];
  for (let slice = 0; slice < SLICES; slice++) {
    deliverSeconds += await deliverBurst(sql, receiver.ready.url, userId, perSlice);
    burstLatencies = burstLatencies.concat((await receiverStats(receiver.ready.url)).latenciesMs);
    noopSeconds += await drainNoops(sql, `slice-${slice}`, perSlice);
  }

  log(`webhooks: ${paced} events one by one, ${rate} a second`);
  await fetch(`${receiver.ready.url}/reset`, { method: 'POST' });
  const started = performance.now();
  for (let i = 0; i < paced; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await sql`insert into events (user_id, type, data, occurred_at)
      values (${userId}::uuid, 'contact.updated', ${sql.json({ paced: i })}, now())`;
  }
  let pacedStats: ReceiverStats | undefined;
  await pollUntil(`${paced} paced deliveries`, async () => {
    pacedStats = await receiverStats(receiver.ready.url);
    return pacedStats.count >= paced;
  });
  const [outcome] = await sql<{ failed: number }[]>`
    select count(*) filter (where status <> 'succeeded')::int as failed from webhook_deliveries`;
  const latency = latencyOf(pacedStats?.latenciesMs ?? [], [], '');
  const burst = latencyOf(burstLatencies, [], '');
  const delivered = (SLICES * perSlice) / deliverSeconds;
  const noops = (SLICES * perSlice) / noopSeconds;
  const table = formatTable(
    [
      { title: 'webhooks (local worker → receiver on 127.0.0.1)', align: 'left' },
      { title: 'per s', align: 'right' },
      { title: 'ratio', align: 'right' },
      { title: 'event → delivery p50 / p99 ms', align: 'right' },
      { title: 'target', align: 'right' },
      { title: '', align: 'left' },
      { title: 'events', align: 'right' },
    ],
    [
      [
        `${perSlice} events in one transaction, deliveries/s`,
        fixed(delivered, 0),
        `${fixed(delivered / noops, 2)}×`,
        `${fixed(burst.p50Ms, 0)} / ${fixed(burst.p99Ms, 0)} (queued)`,
        `≥ ${WEBHOOKS_TARGET_PER_S}/s`,
        delivered >= WEBHOOKS_TARGET_PER_S ? 'ok' : 'under target',
        String(SLICES * perSlice),
      ],
      [
        `baseline: ${perSlice} no-op jobs in one transaction, done/s`,
        fixed(noops, 0),
        '1.00×',
        '',
        '',
        '',
        String(SLICES * perSlice),
      ],
      [
        `${rate} events/s, one transaction each`,
        '',
        '',
        `${fixed(latency.p50Ms, 0)} / ${fixed(latency.p99Ms, 0)}`,
        'reported',
        '',
        String(latency.samples),
      ],
    ],
  );
  const rejected = pacedStats?.rejected ?? 0;
  return {
    scratch: scratch.display,
    setup: [
      `webhooks: an iris child (JOBS_DRIVER=local, JOBS_CONCURRENCY=${concurrency ?? 'default 4'} from ` +
        `BENCH_JOBS_CONCURRENCY, WEBHOOKS_ALLOW_PRIVATE=true) on ` +
        `${scratch.display}, one endpoint with events ["*"], a receiver child checking every X-Iris-Signature; ` +
        `events inserted into the outbox (the fan-out trigger makes deliveries and jobs); ${SLICES} alternating ` +
        `slices of ${perSlice} events and ${perSlice} no-op jobs, rate = from the commit to the last arrival ` +
        `(no-op: to the last done, polled every ${POLL_MS} ms); ratio = deliveries/s / no-op jobs/s; latency = ` +
        `arrival − the event's occurred_at`,
    ],
    tables: [table],
    failures: [
      ...(rejected > 0 ? [`webhooks: the receiver refused ${rejected} signatures`] : []),
      ...((outcome?.failed ?? 0) > 0 ? [`webhooks: ${outcome?.failed} deliveries not succeeded`] : []),
    ],
  };
}
