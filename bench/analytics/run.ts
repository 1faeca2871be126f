/**
 * Analytics bench (`npx tsx bench/analytics/run.ts`, section `analytics`): GET /analytics/overview p50 for
 * an account holding 100,000 messages (10 campaigns, 10,000 contacts, 20,000 conversations; about one
 * message in seven a reply), seeded straight into the tables of a fresh database on the bench's
 * PostgreSQL server, then `vacuum analyze`d as a settled database is. Baseline, measured in the same run
 * on the same iris and keys, requests alternating: GET /keys/me (authentication and the envelope, no
 * analytics), so the ratio is what the aggregates cost on top of a request. Target: overview p50 ≤ 50 ms.
 * The overview's engagement figures and conversation count are checked against counts made directly in SQL
 * (the overview reads the per-contact totals the database keeps, contact_engagement).
 */
import postgres from 'postgres';
import { z } from 'zod';
import { BURST_LIMIT, GLOBAL_LIMIT } from '../../src/pipeline/rate-limit/limits.ts';
import { startBenchDatabaseServer } from '../lib/bench-database.ts';
import { type ChildServer, startChild } from '../lib/child-server.ts';
import { type LatencyResult, latencyOf } from '../lib/paid.ts';
import { PipelineReady } from '../lib/protocol.ts';
import { createScratchDatabase } from '../lib/scratch-database.ts';
import { fixed, formatTable } from '../lib/table.ts';
import { CAMPAIGNS, CONTACTS, MESSAGES, seed } from './seed.ts';

const only = process.env.BENCH_ONLY?.trim();
if (only && !only.split(/[,|\s]+/).includes('analytics')) process.exit(0);

export const OVERVIEW_TARGET_MS = 50;
const WARMUP = 20;
const REQUESTS = 200;
/** Keys of the bootstrap account (its maximum of active keys), used in turn. */
const KEY_COUNT = 25;

const cleanups: (() => Promise<void>)[] = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    await cleanups
      .pop()?.()
      .catch((error: unknown) => process.stderr.write(`bench analytics: cleanup failed: ${String(error)}\n`));
  }
}

function log(message: string): void {
  process.stderr.write(`bench analytics: ${message}\n`);
}

const KeyOwner = z.object({ data: z.object({ user_id: z.uuid() }) });
const OverviewBody = z.object({
  data: z.object({
    engagement: z.object({
      sent: z.number(),
      delivered: z.number(),
      opened: z.number(),
      bounced: z.number(),
      contacts_sent: z.number(),
      replied: z.number(),
    }),
    conversations: z.object({ total: z.number() }),
  }),
});

interface Timed {
  status: number;
  ms: number;
  text: string;
}

async function timed(url: string, key: string): Promise<Timed> {
  const started = performance.now();
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  const text = await response.text();
  return { status: response.status, ms: performance.now() - started, text };
}

interface Expected {
  sent: number;
  delivered: number;
  opened: number;
  bounced: number;
  contacts_sent: number;
  replied: number;
  conversations: number;
}

/**
 * What the overview must say, counted directly over the messages (no campaign is deleted in the seed):
 * replied = contacts with a reply created after one of our messages was sent in the same conversation.
 */
async function expected(sql: postgres.Sql, userId: string): Promise<Expected> {
  const [row] = await sql<Expected[]>`
    select count(*) filter (where direction = 'outbound' and sent_at is not null)::int as sent,
      count(*) filter (where direction = 'outbound' and (delivered_at is not null or status = 'delivered'))::int
        as delivered,
      count(*) filter (where direction = 'outbound' and opened_at is not null)::int as opened,
      count(*) filter (where status = 'bounced')::int as bounced,
      count(distinct contact_id) filter (where direction = 'outbound' and sent_at is not null)::int as contacts_sent,
      (select count(distinct r.contact_id)::int from messages r
        where r.user_id = ${userId}::uuid and r.direction = 'inbound' and exists (
          select 1 from messages o where o.conversation_id = r.conversation_id and o.direction = 'outbound'
            and o.sent_at < r.created_at)) as replied,
      (select count(*)::int from conversations where user_id = ${userId}::uuid) as conversations
    from messages where user_id = ${userId}::uuid`;
  if (!row) throw new Error('no expected counts');
  return row;
}

/** True when the overview's engagement and conversation count are the direct counts. */
function matches(body: z.infer<typeof OverviewBody>, want: Expected): boolean {
  const { engagement, conversations } = body.data;
  return (
    engagement.sent === want.sent &&
    engagement.delivered === want.delivered &&
    engagement.opened === want.opened &&
    engagement.bounced === want.bounced &&
    engagement.contacts_sent === want.contacts_sent &&
    engagement.replied === want.replied &&
    conversations.total === want.conversations
  );
}

async function main(): Promise<number> {
  const server = await startBenchDatabaseServer();
  cleanups.push(() => server.stop());
  const scratch = await createScratchDatabase(server.url);
  cleanups.push(() => scratch.drop());
  log(`database ${scratch.display} (${server.kind})`);
  const iris: ChildServer<PipelineReady> = await startChild(
    'pipeline-server',
    'pipeline-server.ts',
    PipelineReady,
    {
      DATABASE_URL: scratch.url,
      X402_PAY_TO: undefined,
      X402_SETTLER_PRIVATE_KEY: undefined,
      X402_RPC_URL: undefined,
      MPP_SECRET_KEY: undefined,
      STRIPE_SECRET_KEY: undefined,
      BENCH_KEY_COUNT: String(KEY_COUNT),
    },
  );
  cleanups.push(iris.stop);
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  cleanups.push(() => sql.end({ timeout: 5 }));
  const [setting] = await sql<{ server_version: string }[]>`show server_version`;
  const version = setting?.server_version.split(' ')[0] ?? '?';
  const { url, keys } = iris.ready;
  const perKey = Math.ceil((2 * (WARMUP + REQUESTS) + keys.length) / keys.length);
  if (perKey > Math.min(BURST_LIMIT.limit, GLOBAL_LIMIT.limit)) throw new Error(`${perKey} requests per key`);
  const me = await timed(`${url}/keys/me`, keys[0] as string);
  const userId = KeyOwner.parse(JSON.parse(me.text)).data.user_id;

  log(`seeding ${MESSAGES} messages`);
  const seedStarted = performance.now();
  await seed(sql, userId);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const want = await expected(sql, userId);

  log(`${WARMUP} + ${REQUESTS} overviews and as many GET /keys/me, alternating`);
  const overview = { latencies: [] as number[], failed: [] as number[], sample: '' };
  const baseline = { latencies: [] as number[], failed: [] as number[], sample: '' };
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const key = keys[i % keys.length] as string;
    const answer = await timed(`${url}/analytics/overview`, key);
    const parsed = answer.status === 200 ? OverviewBody.safeParse(JSON.parse(answer.text)) : undefined;
    const right = parsed?.success === true && matches(parsed.data, want);
    if (!right) {
      overview.failed.push(answer.status);
      overview.sample ||= answer.text.slice(0, 300);
    } else if (i >= WARMUP) overview.latencies.push(answer.ms);
    const base = await timed(`${url}/keys/me`, key);
    if (base.status !== 200) {
      baseline.failed.push(base.status);
      baseline.sample ||= base.text.slice(0, 300);
    } else if (i >= WARMUP) baseline.latencies.push(base.ms);
  }
  const result: LatencyResult = latencyOf(overview.latencies, overview.failed, overview.sample);
  const base: LatencyResult = latencyOf(baseline.latencies, baseline.failed, baseline.sample);
  const label = `${server.kind === 'embedded' ? 'embedded' : 'PostgreSQL'} ${version}`;
  process.stdout.write(
    `\nanalytics: ${MESSAGES} messages (${want.sent} sent, ${want.bounced} bounced, ${want.replied} contacts ` +
      `replied), ${CONTACTS} contacts, ` +
      `${want.conversations} conversations, ${CAMPAIGNS} campaigns of one account, seeded in ${fixed(seedSeconds, 1)} s ` +
      `then vacuum analyze; ${WARMUP} unmeasured + ${REQUESTS} measured sequential requests each, alternating, ` +
      `${keys.length} keys in turn; ratio = overview p50 / baseline p50\n`,
  );
  process.stdout.write(
    `${formatTable(
      [
        { title: 'analytics', align: 'left' },
        { title: 'database', align: 'left' },
        { title: 'p50/p95/p99 ms', align: 'right' },
        { title: 'baseline p50 ms', align: 'right' },
        { title: 'ratio', align: 'right' },
        { title: 'target p50 ms', align: 'right' },
        { title: '', align: 'left' },
        { title: 'samples', align: 'right' },
        { title: 'failures', align: 'right' },
      ],
      [
        [
          `GET /analytics/overview (${fixed(MESSAGES, 0)} messages)`,
          label,
          `${fixed(result.p50Ms, 1)} / ${fixed(result.p95Ms, 1)} / ${fixed(result.p99Ms, 1)}`,
          `${fixed(base.p50Ms, 1)} (GET /keys/me)`,
          `${fixed(result.p50Ms / base.p50Ms, 1)}×`,
          `≤ ${OVERVIEW_TARGET_MS}`,
          result.p50Ms <= OVERVIEW_TARGET_MS ? 'ok' : 'over target',
          String(result.samples),
          String(result.failures + base.failures),
        ],
      ],
    )}\n`,
  );
  const failures = [
    result.failures > 0 ? `overview: ${result.failureDetail}` : '',
    base.failures > 0 ? `baseline: ${base.failureDetail}` : '',
  ].filter((failure) => failure !== '');
  if (failures.length > 0) {
    process.stderr.write(`\nbench analytics FAILED:\n  ${failures.join('\n  ')}\n`);
    return 1;
  }
  return 0;
}

main()
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(
        `\nbench analytics FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  )
  .finally(cleanUp);
