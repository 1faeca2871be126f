/**
 * The platform section: GET /keys/me and GET /campaigns with API keys, iris against the bare baseline
 * (and the same handlers on node:http), all checked to answer alike first, each key of the pool
 * used once before the measured runs.
 */
import { expectOk, expectSameBytes, expectSameShape, type Fetched, get } from './checks.ts';
import type { BenchConfig } from './config.ts';
import { bearerRequests, compare, touchEveryKey } from './load.ts';
import type { CaseResult } from './report.ts';
import { CAMPAIGNS_PER_ACCOUNT } from './seed.ts';

interface BenchCase {
  name: string;
  path: string;
  target: number;
  /** Throws when the baseline does not answer like iris. */
  compare(iris: Fetched, baseline: Fetched): void;
}

export const PLATFORM_CASES: readonly BenchCase[] = [
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

export interface PlatformServers {
  irisUrl: string;
  baselineUrl: string;
  /** The bare handlers on node:http (reported). */
  referenceUrl: string;
  /** The first key serves the checks, the others are the load's pool. */
  keys: readonly [string, ...string[]];
}

/** iris's GET /keys/me body, which the baseline answers byte for byte. */
export async function keysMeBody(irisUrl: string, checkKey: string): Promise<string> {
  const keysMe = await get(irisUrl, '/keys/me', checkKey);
  expectOk('iris GET /keys/me', keysMe);
  return keysMe.text;
}

export async function runPlatform(
  config: BenchConfig,
  servers: PlatformServers,
  log: (message: string) => void,
): Promise<{ results: CaseResult[]; bodies: string[] }> {
  const [checkKey, ...pool] = servers.keys;
  const bodies: string[] = [];
  for (const benchCase of PLATFORM_CASES) {
    const iris = await get(servers.irisUrl, benchCase.path, checkKey);
    const baseline = await get(servers.baselineUrl, benchCase.path, checkKey);
    const reference = await get(servers.referenceUrl, benchCase.path, checkKey);
    expectOk(`iris ${benchCase.name}`, iris);
    expectOk(`baseline ${benchCase.name}`, baseline);
    expectOk(`node:http ${benchCase.name}`, reference);
    benchCase.compare(iris, baseline);
    benchCase.compare(iris, reference);
    bodies.push(`${benchCase.name} ${iris.bytes} B (baseline ${baseline.bytes} B)`);
  }

  log(`using each of the ${pool.length} pool keys once (a key's first use writes last_used_at)`);
  const touchFailures = await touchEveryKey(servers.irisUrl, '/keys/me', pool, config.connections);
  if (touchFailures.length > 0) {
    throw new Error(
      `key pool: ${touchFailures.length} responses were not 2xx (${touchFailures.slice(0, 5)})`,
    );
  }

  const results: CaseResult[] = [];
  for (const benchCase of PLATFORM_CASES) {
    log(`${benchCase.name}: ${config.warmupSeconds} s warm-up + ${config.seconds} s measured, each server`);
    const measured = await compare({
      baselineUrl: servers.baselineUrl,
      irisUrl: servers.irisUrl,
      referenceUrl: servers.referenceUrl,
      requests: bearerRequests(benchCase.path, pool),
      connections: config.connections,
      warmupSeconds: config.warmupSeconds,
      seconds: config.seconds,
    });
    results.push({ name: benchCase.name, target: benchCase.target, ...measured });
  }
  return { results, bodies };
}
