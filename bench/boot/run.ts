/**
 * Boot bench (`npx tsx bench/boot/run.ts`, section `boot`): `npm start` as a newcomer runs it, timed from
 * the spawn to the first 200 on /health, on a fresh IRIS_DATA_DIR (the embedded cluster is initialised)
 * and on a restart; then the memory the whole thing holds once idle (the server process and every
 * PostgreSQL process, PSS). Baseline, measured in the same run: the same `npm start` with DATABASE_URL
 * naming a fresh database on an already running PostgreSQL (the bench's), so the ratio is what owning
 * the embedded cluster costs. Targets: first start ≤ 2 s, restart ≤ 1 s, idle ≤ 250 MB.
 * BENCH_BOOT_RUNS (default 3) fresh data directories, each started, stopped and restarted. A first start
 * builds the bundle, as after `npm install` (its build stamp is removed); a restart finds it current.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../../db/process-alive.ts';
import { STAMP_FILE } from '../../scripts/build-stamp.mjs';
import { OUTDIR } from '../../scripts/ensure-bundle.mjs';
import { startBenchDatabaseServer } from '../lib/bench-database.ts';
import { descendants, type Memory, memoryOf } from '../lib/memory.ts';
import { createScratchDatabase } from '../lib/scratch-database.ts';
import { fixed, formatTable } from '../lib/table.ts';

const only = process.env.BENCH_ONLY?.trim();
if (only && !only.split(/[,|\s]+/).includes('boot')) process.exit(0);

const RUNS = Number(process.env.BENCH_BOOT_RUNS ?? '3');
const FIRST_START_TARGET_MS = 2_000;
const RESTART_TARGET_MS = 1_000;
const IDLE_TARGET_MB = 250;
/** How long the server sits idle before its memory is read. */
const SETTLE_MS = 3_000;
const ROOT = new URL('../../', import.meta.url).pathname;

function log(message: string): void {
  process.stderr.write(`bench boot: ${message}\n`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

interface Started {
  child: ChildProcess;
  /** The node process running src/main.ts under npm. */
  serverPid: number;
  ms: number;
}

/** `npm start` with `env`, timed until /health first answers 200. */
async function start(env: Record<string, string>): Promise<Started> {
  const port = await freePort();
  const began = performance.now();
  // A process group of its own, so the stop signal reaches the server as a Ctrl-C would (npm 11 does not
  // pass SIGTERM on to its script).
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    detached: true,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}: ${stderr}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) {
      const ms = performance.now() - began;
      return { child, serverPid: serverPidUnder(child.pid as number), ms };
    }
    if (performance.now() - began > 60_000) throw new Error(`no 200 on /health within 60 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** SIGTERM to npm and the server at once; the server stops its cluster before it exits. */
async function stop(started: Started): Promise<void> {
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  process.kill(-(started.child.pid as number), 'SIGTERM');
  await exited;
  while (processAlive(started.serverPid)) await new Promise((resolve) => setTimeout(resolve, 20));
}

/** The node process that npm runs the start script in (npm itself names its process `npm …`). */
function serverPidUnder(npmPid: number): number {
  for (const pid of descendants([npmPid])) {
    if (pid === npmPid) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (/(^|\/)node$/.test(argv[0] ?? '')) return pid;
    } catch {
      // Gone.
    }
  }
  throw new Error('no server process under npm start');
}

function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

async function idleMemory(roots: () => number[]): Promise<Memory> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return memoryOf(roots());
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

async function main(): Promise<number> {
  const server = await startBenchDatabaseServer();
  const firsts: number[] = [];
  const restarts: number[] = [];
  const idles: Memory[] = [];
  const baselines: number[] = [];
  const baselineIdles: Memory[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'iris-bench-boot-'));
      try {
        log(`run ${run}/${RUNS}: first start on ${dataDir}`);
        rmSync(join(ROOT, OUTDIR, STAMP_FILE), { force: true });
        const first = await start({ IRIS_DATA_DIR: dataDir });
        firsts.push(first.ms);
        await stop(first);
        log(`run ${run}/${RUNS}: restart`);
        const again = await start({ IRIS_DATA_DIR: dataDir });
        restarts.push(again.ms);
        idles.push(await idleMemory(() => [again.serverPid, postmasterPid(dataDir)]));
        await stop(again);

        log(`run ${run}/${RUNS}: baseline, DATABASE_URL on the running server`);
        const scratch = await createScratchDatabase(server.url);
        try {
          const baseline = await start({ IRIS_DATA_DIR: dataDir, DATABASE_URL: scratch.url });
          baselines.push(baseline.ms);
          baselineIdles.push(await idleMemory(() => [baseline.serverPid]));
          await stop(baseline);
        } finally {
          await scratch.drop();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    await server.stop();
  }

  const base = median(baselines);
  const idle = [...idles].sort((a, b) => a.pssMb - b.pssMb)[Math.floor(idles.length / 2)] as Memory;
  const peakIdle = Math.max(...idles.map((m) => m.pssMb));
  const baseIdle = median(baselineIdles.map((m) => m.pssMb));
  const verdict = (ok: boolean) => (ok ? 'ok' : 'NOT met');
  const firstMs = median(firsts);
  const restartMs = median(restarts);
  const rows = [
    [
      'npm start, fresh IRIS_DATA_DIR (initdb) → first 200 on /health',
      `${fixed(firstMs, 0)} ms`,
      `${fixed(base, 0)} ms`,
      `${fixed(firstMs / base, 2)}×`,
      `≤ ${FIRST_START_TARGET_MS} ms`,
      verdict(firstMs <= FIRST_START_TARGET_MS),
    ],
    [
      'npm start, existing IRIS_DATA_DIR (restart) → first 200',
      `${fixed(restartMs, 0)} ms`,
      `${fixed(base, 0)} ms`,
      `${fixed(restartMs / base, 2)}×`,
      `≤ ${RESTART_TARGET_MS} ms`,
      verdict(restartMs <= RESTART_TARGET_MS),
    ],
    [
      `idle ${SETTLE_MS / 1000} s after start, server + PostgreSQL (${idle.processes} processes), PSS`,
      `${fixed(idle.pssMb, 0)} MB`,
      `${fixed(baseIdle, 0)} MB`,
      `${fixed(idle.pssMb / baseIdle, 2)}×`,
      `≤ ${IDLE_TARGET_MB} MB`,
      verdict(peakIdle <= IDLE_TARGET_MB),
    ],
  ];
  process.stdout.write(
    [
      '',
      `Boot (${RUNS} runs, medians; all runs: first ${firsts.map((v) => fixed(v, 0)).join(', ')} ms · ` +
        `restart ${restarts.map((v) => fixed(v, 0)).join(', ')} ms · idle PSS ${idles.map((m) => fixed(m.pssMb, 0)).join(', ')} MB, ` +
        `RSS summed ${idles.map((m) => fixed(m.rssMb, 0)).join(', ')} MB)`,
      `baseline: the same npm start with DATABASE_URL on a fresh database of the bench's ${server.kind} server ` +
        '(migrations included; its memory is the server process alone)',
      formatTable(
        [
          { title: 'case', align: 'left' },
          { title: 'iris', align: 'right' },
          { title: 'baseline', align: 'right' },
          { title: 'ratio', align: 'right' },
          { title: 'target', align: 'right' },
          { title: '', align: 'left' },
        ],
        rows,
      ),
      '',
    ].join('\n'),
  );
  return rows.every((row) => row[5] === 'ok') ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`boot bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
