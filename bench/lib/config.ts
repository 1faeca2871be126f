/**
 * Bench settings from the environment, the sections to run (BENCH_ONLY), and the sizes of the API key and
 * client address pools that keep every key and every address under the iris rate limits for the whole run.
 */

import { PACKS } from '../../src/domain/credits/packs.ts';
import { BURST_LIMIT, CLASS_LIMITS, GLOBAL_LIMIT } from '../../src/pipeline/rate-limit/limits.ts';

/**
 * `platform`: the GET rows; `x402`: challenge issuance, paid create latency, same-authorization burst;
 * `mpp`: credit debits with concurrent agents, challenge issuance with both rails; `contacts`: bulk import
 * and search latency on both database modes; `jobs`: no-op jobs/s through the local worker; `engine`: a
 * paid agent campaign from its 201 to all drafts approved; `smtp`: messages sent/s through the SMTP adapter;
 * `webhooks`: deliveries/s and latency to a local receiver.
 */
/** `mcp`, `boot` and `analytics` are run by bench/mcp/run.ts, bench/boot/run.ts and bench/analytics/run.ts after this script (npm run bench runs them all). */
export const SECTIONS = [
  'platform',
  'x402',
  'mpp',
  'contacts',
  'jobs',
  'engine',
  'smtp',
  'webhooks',
  'mcp',
  'boot',
  'analytics',
] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchConfig {
  /** Measured seconds per run (BENCH_SECONDS, default 5). */
  seconds: number;
  /** Warm-up seconds before each measured run (BENCH_WARMUP_SECONDS, default 1). */
  warmupSeconds: number;
  /** autocannon connections (BENCH_CONNECTIONS, default 10). */
  connections: number;
  /** API keys created in the iris child (BENCH_KEYS, default from the sizing below). */
  keyCount: number;
  /** The PostgreSQL server the sections create their databases on (bench-database.ts). */
  databaseUrl: string;
  /** Sections to run (BENCH_ONLY=platform|x402|…|analytics, see SECTIONS, comma-separated; all by default). */
  sections: ReadonlySet<Section>;
  /** Distinct X-Forwarded-For addresses for the unpaid POST /campaigns load (BENCH_ADDRESSES). */
  addressCount: number;
  /** Sequential paid creates per stack, after 3 unmeasured ones (BENCH_PAID_REQUESTS, default 30). */
  paidRequests: number;
  /** Parallel copies of one authorization in the burst (BENCH_BURST, default 20). */
  burst: number;
  /** mpp: concurrent clients spending credits (BENCH_MPP_CLIENTS, default 32). */
  mppClients: number;
  /** mpp: agent identities each client spends, one after the other (BENCH_MPP_AGENTS_PER_CLIENT, default 4). */
  mppAgentsPerClient: number;
  /** mpp: credit packs bought per measured identity (BENCH_MPP_PACKS, default and most: maxPacksPerKey()). */
  mppPacks: number;
  /**
   * contacts: the PostgreSQL server the section also runs on when the run is on the embedded cluster
   * (BENCH_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1:5432/postgres; unset: embedded only).
   */
  postgresUrl: string | undefined;
}

/** Credits in the one pack iris sells (pack_5). */
export const PACK_CREDITS = PACKS.pack_5?.credits ?? 5;

/**
 * Every request one agent key sends in the mpp section: the packs after the first are bought with the key
 * (a 402, then the paid retry), then one create per credit and the create refused for want of credit.
 */
export function requestsPerKey(packs: number): { all: number; creates: number } {
  const creates = packs * PACK_CREDITS + 1;
  return { all: 2 * (packs - 1) + creates, creates };
}

/**
 * The most packs per identity for which a key's requests, all of them, fit in one window of each per-key
 * limit (burst, global, campaign mutations): no 429 can happen however fast the server is.
 */
export function maxPacksPerKey(): number {
  let packs = 1;
  for (;;) {
    const next = requestsPerKey(packs + 1);
    const fits =
      next.all <= BURST_LIMIT.limit &&
      next.all <= GLOBAL_LIMIT.limit &&
      next.creates <= CLASS_LIMITS.campaignMutations.limit;
    if (!fits) return packs;
    packs += 1;
  }
}

/**
 * Highest iris throughput the key and address pools are sized for: about 1.6× the 402 rate iris reaches
 * on two cores (12k/s). A faster machine would show up as 429s, which fail the run loudly (then raise
 * BENCH_KEYS and BENCH_ADDRESSES).
 */
export const PLANNED_MAX_RPS = 20_000;
/** Headroom over the exact per-key budget. */
const SAFETY = 1.25;

function numberFromEnv(name: string, fallback: number, min: number, integer: boolean): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${raw}"`);
  }
  return value;
}

/**
 * Keys needed so that, at PLANNED_MAX_RPS spread round-robin over the pool, no key passes the burst
 * limit in a second nor the global limit in a minute. Both iris cases count against the same minute.
 */
export function keysNeeded(seconds: number, warmupSeconds: number, pipelineRuns: number): number {
  const loadedSecondsPerWindow = Math.min(
    GLOBAL_LIMIT.windowMs / 1000,
    pipelineRuns * (seconds + warmupSeconds),
  );
  // Each key also serves the touch before the runs (and the check key a few checks).
  const forGlobal = (PLANNED_MAX_RPS * loadedSecondsPerWindow) / (GLOBAL_LIMIT.limit - 1);
  const forBurst = PLANNED_MAX_RPS / (BURST_LIMIT.limit * (1000 / BURST_LIMIT.windowMs));
  // One extra key is kept out of the pool for the correctness checks.
  return Math.ceil(Math.max(forGlobal, forBurst) * SAFETY) + 1;
}

/**
 * Client addresses needed so that, at PLANNED_MAX_RPS over the pool, no address passes the anonymous
 * campaign-mutation limit (30 a minute) nor the burst limit during the one iris run of POST /campaigns.
 */
export function addressesNeeded(seconds: number, warmupSeconds: number): number {
  const rule = CLASS_LIMITS.campaignMutations;
  const loadedSeconds = Math.min(rule.windowMs / 1000, seconds + warmupSeconds);
  const forClass = (PLANNED_MAX_RPS * loadedSeconds) / (rule.limit - 1);
  const forBurst = PLANNED_MAX_RPS / (BURST_LIMIT.limit * (1000 / BURST_LIMIT.windowMs));
  return Math.ceil(Math.max(forClass, forBurst) * SAFETY);
}

function readSections(): ReadonlySet<Section> {
  const raw = process.env.BENCH_ONLY?.trim();
  if (!raw) return new Set(SECTIONS);
  const names = raw.split(/[,|\s]+/).filter((name) => name !== '');
  for (const name of names) {
    if (!(SECTIONS as readonly string[]).includes(name)) {
      throw new Error(`BENCH_ONLY: unknown section "${name}" (known: ${SECTIONS.join(', ')})`);
    }
  }
  return new Set(names as Section[]);
}

function mppPacksFromEnv(): number {
  const most = maxPacksPerKey();
  const packs = numberFromEnv('BENCH_MPP_PACKS', most, 1, true);
  if (packs > most) {
    throw new Error(
      `BENCH_MPP_PACKS: at most ${most} (more would let a key's requests pass its rate limits)`,
    );
  }
  return packs;
}

export function readConfig(pipelineRuns: number, databaseUrl: string): BenchConfig {
  const seconds = numberFromEnv('BENCH_SECONDS', 5, 1, false);
  const warmupSeconds = numberFromEnv('BENCH_WARMUP_SECONDS', 1, 0, false);
  const connections = numberFromEnv('BENCH_CONNECTIONS', 10, 1, true);
  const keyCount = numberFromEnv('BENCH_KEYS', keysNeeded(seconds, warmupSeconds, pipelineRuns), 2, true);
  return {
    seconds,
    warmupSeconds,
    connections,
    keyCount,
    databaseUrl,
    sections: readSections(),
    addressCount: numberFromEnv('BENCH_ADDRESSES', addressesNeeded(seconds, warmupSeconds), 1, true),
    paidRequests: numberFromEnv('BENCH_PAID_REQUESTS', 30, 1, true),
    burst: numberFromEnv('BENCH_BURST', 20, 2, true),
    mppClients: numberFromEnv('BENCH_MPP_CLIENTS', 32, 1, true),
    mppAgentsPerClient: numberFromEnv('BENCH_MPP_AGENTS_PER_CLIENT', 4, 1, true),
    mppPacks: mppPacksFromEnv(),
    postgresUrl: process.env.BENCH_POSTGRES_URL?.trim() || undefined,
  };
}
