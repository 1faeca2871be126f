/**
 * Runs `src/main.ts` as a real child process (what `npm start` runs) and waits for it to listen; also
 * runs other entry points (the CLI) to completion.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { processAlive } from '../../db/process-alive.ts';

export interface ServerProcess {
  url: string;
  /** The process serving (under npm, npm's script; otherwise the child itself). */
  serverPid: number;
  /** Everything the process printed on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  child: ChildProcess;
}

const ROOT = new URL('../../', import.meta.url).pathname;

export function runTsx(script: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export async function spawnServer(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const child = runTsx('src/main.ts', [], { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'error', ...env });
  return listening(child, timeoutMs, async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  });
}

/**
 * `npm start` itself (the esbuild bundle of scripts/start.mjs), in a process group of its own: npm does
 * not pass SIGTERM on to its script, so `stop` signals the group, as a terminal's Ctrl-C would reach it.
 * npm ends on the signal without waiting for the server; `stop` resolves when the server has exited too,
 * with its exit code unknown (null).
 */
export async function spawnNpmStart(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const started = await listening(child, timeoutMs, async () => {
    if (child.exitCode === null) process.kill(-(child.pid as number), 'SIGTERM');
    while (processAlive(started.serverPid)) await new Promise((r) => setTimeout(r, 20));
  });
  const server = startScriptPid(child.pid as number);
  if (server === undefined) throw new Error('npm start runs no scripts/start.mjs process');
  started.serverPid = server;
  return started;
}

/** The process running scripts/start.mjs under `npmPid` (npm → sh → node, or node alone), from /proc. */
function startScriptPid(npmPid: number): number | undefined {
  const children = new Map<number, number[]>();
  for (const pid of readdirSync('/proc').map(Number).filter(Number.isInteger)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), pid]);
    } catch {
      // Gone.
    }
  }
  const queue = [...(children.get(npmPid) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (/node$/.test(argv[0] ?? '') && argv.includes('scripts/start.mjs')) return pid;
    } catch {
      // Gone.
    }
    queue.push(...(children.get(pid) ?? []));
  }
  return undefined;
}

async function listening(
  child: ChildProcess,
  timeoutMs: number,
  signal: () => Promise<void>,
): Promise<ServerProcess> {
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out} ${err}`)), timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /iris listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${out} ${err}`));
    });
  });
  return {
    url,
    serverPid: child.pid as number,
    child,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      await signal();
      return exited;
    },
  };
}

export async function runToEnd(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = runTsx(script, args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, stdout, stderr };
}
