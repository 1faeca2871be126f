// Spawns and stops a local anvil node (the native binary from @foundry-rs/anvil-<os>-<arch>) for tests
// and the sandbox; every spawned node is killed when this process exits.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hex } from 'viem';

export interface AnvilOptions {
  /** Port to listen on; a free one is picked when omitted. */
  port?: number;
  /** Chain id (default 8453, Base mainnet). */
  chainId?: number;
  /** Path to the anvil binary; defaults to $ANVIL_BIN, then the npm platform package. */
  binary?: string;
  /** How long to wait for the RPC to answer (default 10 s). */
  startupTimeoutMs?: number;
}

export interface AnvilProcess {
  readonly rpcUrl: string;
  readonly port: number;
  readonly pid: number;
  /** Private keys of the node's funded dev accounts (anvil's defaults, 10 000 ETH each), read from --config-out. */
  readonly privateKeys: readonly Hex[];
  /** Terminates the node (SIGTERM, SIGKILL after 2 s) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

/** Running nodes and their --config-out directories, killed and removed when this process exits. */
const running = new Map<ChildProcess, string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [child, dir] of running) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Finds the anvil binary shipped by the platform-specific npm package. */
export function resolveAnvilBinary(): string {
  const fromEnv = process.env.ANVIL_BIN;
  if (fromEnv) return fromEnv;
  const os = process.platform;
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const name = os === 'win32' ? 'anvil.exe' : 'anvil';
  const pkg = `@foundry-rs/anvil-${os}-${arch}`;
  try {
    const path = createRequire(import.meta.url).resolve(`${pkg}/bin/${name}`);
    if (existsSync(path)) return path;
  } catch {
    // reported below
  }
  throw new Error(`anvil binary not found: install @foundry-rs/anvil (needs ${pkg}) or set ANVIL_BIN`);
}

async function freePort(): Promise<number> {
  return await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

async function answersChainId(rpcUrl: string, chainId: number): Promise<boolean> {
  try {
    const response = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1_000),
    });
    const body: unknown = await response.json();
    if (typeof body !== 'object' || body === null || !('result' in body)) return false;
    return typeof body.result === 'string' && Number.parseInt(body.result, 16) === chainId;
  } catch {
    return false;
  }
}

async function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Reads the funded keys from anvil's --config-out file; undefined while it is missing or half written. */
function readPrivateKeys(configPath: string): Hex[] | undefined {
  if (!existsSync(configPath)) return undefined;
  try {
    const config: unknown = JSON.parse(readFileSync(configPath, 'utf8'));
    if (typeof config !== 'object' || config === null || !('private_keys' in config)) return undefined;
    const keys = config.private_keys;
    if (!Array.isArray(keys)) return undefined;
    return keys.filter((key): key is Hex => typeof key === 'string' && /^0x[0-9a-fA-F]{64}$/.test(key));
  } catch {
    return undefined;
  }
}

async function startOnce(
  binary: string,
  port: number,
  chainId: number,
  timeoutMs: number,
): Promise<AnvilProcess> {
  // anvil writes --config-out only after binding its port, so the file proves the node answering is ours.
  const dir = mkdtempSync(join(tmpdir(), 'iris-anvil-'));
  const configPath = join(dir, 'anvil.json');
  const args = ['--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), '--silent'];
  const child = spawn(binary, [...args, '--config-out', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (stderr.length < 4_000) stderr += chunk;
  });
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  running.set(child, dir);
  installExitHook();

  const stop = async (): Promise<void> => {
    if (!(await waitForExit(child, 0))) {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 2_000))) {
        child.kill('SIGKILL');
        await waitForExit(child, 2_000);
      }
    }
    running.delete(child);
    rmSync(dir, { recursive: true, force: true });
  };

  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      await stop();
      const reason = spawnError?.message ?? `exited with ${child.exitCode ?? child.signalCode}`;
      throw new Error(`anvil on port ${port} failed to start: ${reason} ${stderr.trim()}`.trim());
    }
    const privateKeys = readPrivateKeys(configPath);
    if (privateKeys && privateKeys.length > 0 && (await answersChainId(rpcUrl, chainId))) {
      const pid = child.pid;
      if (pid === undefined) {
        await stop();
        throw new Error('anvil started without a pid');
      }
      return { rpcUrl, port, pid, privateKeys, stop };
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`anvil on port ${port} was not ready within ${timeoutMs} ms ${stderr}`.trim());
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts anvil and resolves once it answers `eth_chainId`; retries on another port if a picked one was taken. */
export async function startAnvil(options: AnvilOptions = {}): Promise<AnvilProcess> {
  const binary = options.binary ?? resolveAnvilBinary();
  const chainId = options.chainId ?? 8453;
  const timeoutMs = options.startupTimeoutMs ?? 10_000;
  if (options.port !== undefined) return await startOnce(binary, options.port, chainId, timeoutMs);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(binary, await freePort(), chainId, timeoutMs);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
