/**
 * MCP bench (`npx tsx bench/mcp/run.ts`): tools/call round trips per second against the same REST call on
 * one real server (target ≥ 0.7× REST), then memory under sustained MCP load: the server's (a child
 * process, bench/mcp/server.ts, so its memory is its own) and, on the embedded cluster, the whole thing's
 * (server + PostgreSQL processes; target ≤ 400 MB). The server runs as `npm start` runs iris, from an
 * esbuild bundle (bench/lib/bundle.ts), not under tsx. Load comes from autocannon in this process.
 * BENCH_MCP_SECONDS (per side, default 9), BENCH_MCP_SUSTAIN_SECONDS (default 30), BENCH_MCP_CONNECTIONS
 * (default 16), BENCH_MCP_KEYS (default 9000: a third for each comparison), DATABASE_URL (a PostgreSQL
 * server instead of an embedded cluster started for the run).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { type BenchDatabaseServer, startBenchDatabaseServer } from '../lib/bench-database.ts';
import { bundleServer, PROJECT_ROOT } from '../lib/bundle.ts';
import { type Memory, memoryOf } from '../lib/memory.ts';

const only = process.env.BENCH_ONLY?.trim();
if (only && !only.split(/[,|\s]+/).includes('mcp')) process.exit(0);

const SECONDS = Number(process.env.BENCH_MCP_SECONDS ?? '9');
const SUSTAIN_SECONDS = Number(process.env.BENCH_MCP_SUSTAIN_SECONDS ?? '30');
const CONNECTIONS = Number(process.env.BENCH_MCP_CONNECTIONS ?? '16');
const SLICE_SECONDS = 3;
const TARGET_RATIO = 0.7;
/** Server + embedded PostgreSQL under this load, PSS. */
const LOADED_MEMORY_TARGET_MB = 400;

interface Ready {
  url: string;
  pid: number;
  keys: string[];
}

interface Side {
  name: string;
  /** Another server than the bench's main one. */
  url?: string;
  request: () => autocannon.Request;
}

interface Tally {
  requests: number;
  seconds: number;
  p50: number[];
  p99: number[];
  failures: number;
}

async function startServer(databaseUrl: string): Promise<{ ready: Ready; child: ChildProcess }> {
  const bundle = await bundleServer('bench/mcp/server.ts');
  const child = spawn(process.execPath, ['--enable-source-maps', bundle], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const line = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { ready: JSON.parse(line) as Ready, child };
}

function keyRotation(keys: readonly string[]) {
  let next = 0;
  return () => `Bearer ${keys[next++ % keys.length]}`;
}

/**
 * `count` disjoint pools of keys. Each comparison rotates over its own: a key's per-minute limit is
 * shared by everything sent with it, and at REST's rate one comparison uses each key of a pool of 3,000
 * about 80 times, so a second comparison on the same keys within the minute would be answered 429.
 */
function keyPools(keys: readonly string[], count: number): string[][] {
  const size = Math.floor(keys.length / count);
  return Array.from({ length: count }, (_, i) => keys.slice(i * size, (i + 1) * size));
}

/**
 * Both sides read every answer's body and check it (a REST envelope's success, an MCP result's isError):
 * the load generator shares the machine, so its work per response must be the same on both sides.
 */
function restSide(name: string, path: string, auth: () => string, errors: { n: number }): Side {
  return {
    name,
    request: () => ({
      method: 'GET',
      path,
      setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: auth() } }),
      onResponse: (_status: number, responseBody: string) => {
        if (!responseBody.includes('"success":true')) errors.n += 1;
      },
    }),
  };
}

/** `batch`: the call as a batch of one, which /mcp hands to the SDK's transport instead of answering directly. */
function mcpSide(
  name: string,
  tool: string,
  args: Record<string, unknown>,
  auth: () => string,
  errors: { n: number },
  batch = false,
) {
  const message = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: args } };
  const body = JSON.stringify(batch ? [message] : message);
  return {
    name,
    request: (): autocannon.Request => ({
      method: 'POST',
      path: '/mcp',
      body,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      },
      setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: auth() } }),
      onResponse: (_status: number, responseBody: string) => {
        if (responseBody.includes('"isError":true')) errors.n += 1;
      },
    }),
  };
}

async function slice(url: string, side: Side, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: side.url ?? url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [side.request()],
  });
}

function add(tally: Tally, result: autocannon.Result, seconds: number): void {
  tally.requests += result.requests.total;
  tally.seconds += seconds;
  tally.p50.push(result.latency.p50);
  tally.p99.push(result.latency.p99);
  tally.failures += result.non2xx + result.errors + result.timeouts;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** REST and MCP in alternating slices, so background noise hits both alike. */
async function compare(url: string, rest: Side, mcp: Side, errors: { n: number }) {
  await slice(url, rest, 1);
  await slice(url, mcp, 1);
  errors.n = 0;
  const tallies = new Map<Side, Tally>([
    [rest, { requests: 0, seconds: 0, p50: [], p99: [], failures: 0 }],
    [mcp, { requests: 0, seconds: 0, p50: [], p99: [], failures: 0 }],
  ]);
  for (let done = 0; done < SECONDS; done += SLICE_SECONDS) {
    for (const side of done % (2 * SLICE_SECONDS) === 0 ? [rest, mcp] : [mcp, rest]) {
      add(tallies.get(side) as Tally, await slice(url, side, SLICE_SECONDS), SLICE_SECONDS);
    }
  }
  const row = (side: Side) => {
    const t = tallies.get(side) as Tally;
    return {
      name: side.name,
      rps: t.requests / t.seconds,
      p50: median(t.p50),
      p99: median(t.p99),
      failures: t.failures,
    };
  };
  const r = row(rest);
  const m = row(mcp);
  m.failures += errors.n;
  return { rest: r, mcp: m, ratio: m.rps / r.rps };
}

/** The server's memory, and with the embedded cluster the whole thing's (server + PostgreSQL). */
function sample(ready: Ready, server: BenchDatabaseServer): { server: Memory; whole: Memory | undefined } {
  return {
    server: memoryOf([ready.pid]),
    whole: server.postmasterPid ? memoryOf([ready.pid, server.postmasterPid]) : undefined,
  };
}

async function sustained(
  ready: Ready,
  server: BenchDatabaseServer,
  auth: () => string,
  errors: { n: number },
) {
  const tools = [
    mcpSide('keys_me', 'keys_me', {}, auth, errors),
    mcpSide('campaigns_list', 'campaigns_list', { limit: 20 }, auth, errors),
  ];
  errors.n = 0;
  const idle = sample(ready, server);
  const samples: ReturnType<typeof sample>[] = [];
  const timer = setInterval(() => samples.push(sample(ready, server)), 500);
  const result = await autocannon({
    url: ready.url,
    connections: CONNECTIONS,
    duration: SUSTAIN_SECONDS,
    // Mostly the cheap call (the most MCP work per second), a list now and then.
    requests: [0, 0, 0, 1].map((i) => tools[i]?.request() as autocannon.Request),
  });
  clearInterval(timer);
  const third = Math.max(1, Math.floor(samples.length / 3));
  const avg = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const after = sample(ready, server);
  const serverRss = samples.map((s) => s.server.rssMb);
  const whole = samples.flatMap((s) => (s.whole ? [s.whole] : []));
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    failures: result.non2xx + result.errors + result.timeouts + errors.n,
    idle: idle.server.rssMb,
    peak: Math.max(...serverRss),
    firstThird: avg(serverRss.slice(0, third)),
    lastThird: avg(serverRss.slice(-third)),
    after: after.server.rssMb,
    whole:
      idle.whole && after.whole
        ? {
            idle: idle.whole,
            peakPss: Math.max(...whole.map((m) => m.pssMb)),
            peakRss: Math.max(...whole.map((m) => m.rssMb)),
            processes: Math.max(...whole.map((m) => m.processes)),
            after: after.whole,
          }
        : undefined,
  };
}

const fmt = (n: number, digits = 0) => n.toFixed(digits).padStart(8);

async function main(): Promise<void> {
  const database = await startBenchDatabaseServer();
  const { ready, child } = await startServer(database.url).catch(async (error: unknown) => {
    await database.stop();
    throw error;
  });
  try {
    const auth = keyRotation(ready.keys);
    const errors = { n: 0 };
    process.stdout.write(
      `MCP bench: ${ready.url}, ${ready.keys.length} keys, ${CONNECTIONS} connections, ${SECONDS} s per side\n\n`,
    );
    process.stdout.write(
      'call                         REST req/s  MCP req/s   ratio   REST p50/p99 ms  MCP p50/p99 ms  failures\n',
    );
    // Every key's first use is a lookup plus a last_used_at write: get those out of the way first.
    await autocannon({
      url: ready.url,
      connections: CONNECTIONS,
      amount: ready.keys.length,
      requests: [restSide('warm-up', '/keys/me', auth, errors).request()],
    });
    const pools = keyPools(ready.keys, 3).map(keyRotation);
    const [keysMeAuth, listAuth, sdkAuth] = pools as [() => string, () => string, () => string];
    const pairs: [Side, Side][] = [
      [
        restSide('GET /keys/me', '/keys/me', keysMeAuth, errors),
        mcpSide('keys_me', 'keys_me', {}, keysMeAuth, errors),
      ],
      [
        restSide('GET /campaigns', '/campaigns?limit=20', listAuth, errors),
        mcpSide('campaigns_list', 'campaigns_list', { limit: 20 }, listAuth, errors),
      ],
    ];
    // Reported, not a target: why a lone tools/call is answered without the SDK's transport.
    const sdkSide = mcpSide('keys_me (SDK transport)', 'keys_me', {}, sdkAuth, errors, true);
    for (const [rest, mcp] of [
      ...pairs,
      [restSide('GET /keys/me', '/keys/me', sdkAuth, errors), sdkSide] as [Side, Side],
    ]) {
      const { rest: r, mcp: m, ratio } = await compare(ready.url, rest, mcp, errors);
      const verdict = mcp === sdkSide ? 'reported' : ratio >= TARGET_RATIO ? 'met' : 'NOT met';
      process.stdout.write(
        `${`${mcp.name} vs ${rest.name}`.padEnd(28)} ${fmt(r.rps)} ${fmt(m.rps)} ${fmt(ratio, 2)}x ${`${r.p50}/${r.p99}`.padStart(14)} ${`${m.p50}/${m.p99}`.padStart(15)} ${String(r.failures + m.failures).padStart(9)}   ${verdict === 'reported' ? 'reported' : `target ≥ ${TARGET_RATIO}x ${verdict}`}\n`,
      );
    }
    const load = await sustained(ready, database, auth, errors);
    const whole = load.whole;
    process.stdout.write(
      [
        '',
        `RSS under ${SUSTAIN_SECONDS} s of MCP load (3 keys_me : 1 campaigns_list, ${load.requests} calls, ${load.rps.toFixed(0)}/s, ${load.failures} failures):`,
        `  server process: before ${load.idle.toFixed(1)} MB · peak ${load.peak.toFixed(1)} MB · first third ${load.firstThird.toFixed(1)} MB · last third ${load.lastThird.toFixed(1)} MB · 2 s after ${load.after.toFixed(1)} MB`,
        whole
          ? `  server + embedded PostgreSQL (${whole.processes} processes), PSS: before ${whole.idle.pssMb.toFixed(1)} MB · peak ${whole.peakPss.toFixed(1)} MB (RSS summed: ${whole.peakRss.toFixed(1)} MB) · 2 s after ${whole.after.pssMb.toFixed(1)} MB   target ≤ ${LOADED_MEMORY_TARGET_MB} MB ${whole.peakPss <= LOADED_MEMORY_TARGET_MB ? 'met' : 'NOT met'}`
          : '  (PostgreSQL at DATABASE_URL: its memory is the server’s, not counted here)',
        '',
      ].join('\n'),
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await database.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`mcp bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
