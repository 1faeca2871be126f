/**
 * Starts a bench server in its own Node process, so the load generator and the server under test never
 * share an event loop; reads its one-line JSON ready message and stops it. Every server runs from an
 * esbuild bundle, as `npm start` runs iris (bench/lib/bundle.ts): the figures are those of what ships,
 * and the baselines run the same way.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { z } from 'zod';
import { bundleServer, PROJECT_ROOT } from './bundle.ts';

const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 10_000;

export interface ChildServer<T> {
  ready: T;
  pid: number;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * Spawns `bench/servers/<file>` with `env` added to (or, for `undefined` values, removed from) this
 * process's environment; resolves once the child has printed a line matching `schema`.
 */
export async function startChild<S extends z.ZodType>(
  name: string,
  file: string,
  schema: S,
  env: Record<string, string | undefined>,
): Promise<ChildServer<z.output<S>>> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[key];
    else childEnv[key] = value;
  }
  // BENCH_PROFILE=<dir>: each server writes a V8 CPU profile there when it stops.
  const profile = process.env.BENCH_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`]
    : [];
  const bundle = await bundleServer(`bench/servers/${file}`);
  const child = spawn(process.execPath, [...profile, '--enable-source-maps', bundle], {
    cwd: PROJECT_ROOT,
    env: childEnv,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: spawn failed`);

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = exited(child);
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await done;
    clearTimeout(timer);
  };

  const lines = createInterface({ input: child.stdout as NonNullable<typeof child.stdout> });
  try {
    const line = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name}: not ready after ${READY_TIMEOUT_MS / 1000} s`)),
        READY_TIMEOUT_MS,
      );
      lines.once('line', (text) => {
        clearTimeout(timer);
        resolve(text);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name}: exited before it was ready (code ${code}, signal ${signal})`));
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    // Anything the child prints later goes to our stderr, never into the table.
    lines.on('line', (text) => process.stderr.write(`[${name}] ${text}\n`));
    const parsed = schema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`${name}: unexpected ready line: ${line.slice(0, 200)}`);
    return { ready: parsed.data, pid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
