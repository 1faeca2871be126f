/**
 * `npm run bench`: starts the iris pipeline and a bare express baseline in child processes, loads each
 * with autocannon (GET /keys/me, GET /campaigns) and prints requests/s, ratios and iris latencies.
 */
import { loadavg } from 'node:os';
import { expectOk, expectSameBytes, expectSameShape, type Fetched, get } from './lib/checks.ts';
import { type ChildServer, startChild } from './lib/child-server.ts';
import { readConfig } from './lib/config.ts';
import { compare, touchEveryKey } from './lib/load.ts';
import { BareReady, PipelineReady } from './lib/protocol.ts';
import { type CaseResult, failuresOf, formatReport } from './lib/report.ts';
import { createScratchDatabase, type ScratchDatabase } from './lib/scratch-database.ts';
import { CAMPAIGNS_PER_ACCOUNT } from './lib/seed.ts';

interface BenchCase {
  name: string;
  path: string;
  target: number;
  /** Throws when the baseline does not answer like iris. */
  compare(iris: Fetched, baseline: Fetched): void;
}

const CASES: readonly BenchCase[] = [
  {
    name: 'GET /keys/me',
    path: '/keys/me',
    target: 0.6,
    compare: (iris, baseline) => expectSameBytes('GET /keys/me', iris, baseline),
  },
  {
    name: 'GET /campaigns',
    path: '/campaigns',
    target: 0.6,
    compare: (iris, baseline) => expectSameShape('GET /campaigns', iris, baseline, CAMPAIGNS_PER_ACCOUNT),
  },
];

/** Stops children and drops the scratch database, last registered first. */
const cleanups: (() => Promise<void>)[] = [];

async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    const next = cleanups.pop();
    await next?.().catch((error: unknown) =>
      process.stderr.write(`bench: cleanup failed: ${String(error)}\n`),
    );
  }
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

async function main(): Promise<number> {
  const loadAtStart = loadavg()[0] ?? 0;
  const config = readConfig(CASES.length);
  let scratch: ScratchDatabase | undefined;
  if (config.databaseUrl) {
    const created = await createScratchDatabase(config.databaseUrl);
    scratch = created;
    cleanups.push(() => created.drop());
    log(`created database ${created.display}`);
  }
  const dbEnv = { DATABASE_URL: scratch?.url };

  log(`starting iris with ${config.keyCount} API keys`);
  const pipeline: ChildServer<PipelineReady> = await startChild(
    'pipeline-server',
    'pipeline-server.ts',
    PipelineReady,
    { ...dbEnv, BENCH_KEY_COUNT: String(config.keyCount) },
  );
  cleanups.push(pipeline.stop);
  // The first key only serves the checks; the others are the load's pool.
  const [checkKey, ...pool] = pipeline.ready.keys as [string, ...string[]];

  const keysMe = await get(pipeline.ready.url, '/keys/me', checkKey);
  expectOk('iris GET /keys/me', keysMe);
  log('starting the bare express baseline');
  const bare: ChildServer<BareReady> = await startChild('bare-server', 'bare-server.ts', BareReady, {
    ...dbEnv,
    BENCH_KEYS_ME_BODY: keysMe.text,
  });
  cleanups.push(bare.stop);

  const bodies: string[] = [];
  for (const benchCase of CASES) {
    const iris = await get(pipeline.ready.url, benchCase.path, checkKey);
    const baseline = await get(bare.ready.url, benchCase.path, checkKey);
    expectOk(`iris ${benchCase.name}`, iris);
    expectOk(`baseline ${benchCase.name}`, baseline);
    benchCase.compare(iris, baseline);
    bodies.push(`${benchCase.name} ${iris.bytes} B (baseline ${baseline.bytes} B)`);
  }

  log(`using each of the ${pool.length} pool keys once (a key's first use writes last_used_at)`);
  const touchFailures = await touchEveryKey(pipeline.ready.url, '/keys/me', pool, config.connections);
  if (touchFailures.length > 0) {
    throw new Error(
      `key pool: ${touchFailures.length} responses were not 2xx (${touchFailures.slice(0, 5)})`,
    );
  }

  const results: CaseResult[] = [];
  for (const benchCase of CASES) {
    log(`${benchCase.name}: ${config.warmupSeconds} s warm-up + ${config.seconds} s measured, each server`);
    const measured = await compare({
      path: benchCase.path,
      baselineUrl: bare.ready.url,
      irisUrl: pipeline.ready.url,
      keys: pool,
      connections: config.connections,
      warmupSeconds: config.warmupSeconds,
      seconds: config.seconds,
    });
    results.push({ name: benchCase.name, target: benchCase.target, ...measured });
  }
  await cleanUp();

  const { ready } = pipeline;
  process.stdout.write(
    formatReport(
      {
        config,
        loadAtStart,
        database:
          ready.database === 'postgres'
            ? `postgres (fresh database ${scratch?.display ?? '?'}, dropped at the end)`
            : 'pglite (in-process, in memory, one instance per server)',
        setup:
          `${ready.keys.length} API keys over ${ready.accounts} accounts (${pool.length} rotated per request, ` +
          `each used once beforehand), rate-limit store ${ready.rateLimitStore}, ` +
          `${CAMPAIGNS_PER_ACCOUNT} campaigns per account`,
        bodies: bodies.join('; '),
      },
      results,
    ),
  );

  const failed = failuresOf(results);
  if (failed.length > 0) {
    process.stderr.write(
      `\nbench FAILED: responses that were not 2xx (or connection errors):\n  ${failed.join('\n  ')}\n`,
    );
    return 1;
  }
  return 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    process.stderr.write(
      `\nbench FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await cleanUp();
    process.exitCode = 1;
  },
);
