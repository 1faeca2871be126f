/**
 * The autocannon wrapper: warms both servers up, then measures them in alternating ~1 s slices (baseline,
 * iris, iris, baseline, …) so background load hits both alike. Each request is the next of a pool (one
 * per API key, or per client address), keeping every key or address under the iris rate limits, and
 * every response with another status than expected (any 2xx by default) is counted.
 */
import autocannon from 'autocannon';

export interface CompareOptions {
  baselineUrl: string;
  irisUrl: string;
  /** A further server measured alongside, reported only (the bare handlers on node:http). */
  referenceUrl?: string;
  /** The pool of requests; each connection walks its own share of it, round and round. */
  requests: readonly autocannon.Request[];
  /** The one status every response should have; unset: any 2xx. */
  expectedStatus?: number;
  connections: number;
  warmupSeconds: number;
  /** Measured seconds per server, cut into slices of about one second. */
  seconds: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  totalRequests: number;
  p50Ms: number;
  p99Ms: number;
  /** Unexpected statuses (non-2xx by default) plus connection errors, warm-up included. */
  failures: number;
  /** e.g. `429×12, errors×1`; empty when there were no failures. */
  failureDetail: string;
}

/** What one server accumulates over its slices. */
class Tally {
  requests = 0;
  seconds = 0;
  latencies: number[] = [];
  failures = 0;
  details = new Map<string, number>();

  constructor(private readonly expectedStatus: number | undefined) {}

  private expected(status: string): boolean {
    return this.expectedStatus === undefined
      ? status.startsWith('2')
      : status === String(this.expectedStatus);
  }

  add(slice: Slice, measured: boolean, label: string): void {
    const { result } = slice;
    if (measured && slice.latencies.length > 1) {
      // Counted between the first and the last response: requests cut off at the end of a slice do
      // not bias slow servers (see run()).
      this.requests += slice.latencies.length - 1;
      this.seconds += (slice.lastAtMs - slice.firstAtMs) / 1000;
      for (const latency of slice.latencies) this.latencies.push(latency);
    }
    const count = (what: string, n: number) => {
      if (n <= 0) return;
      const key = `${label}${what}`;
      this.details.set(key, (this.details.get(key) ?? 0) + n);
    };
    for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
      if (this.expected(status)) continue;
      count(status, stats.count ?? 0);
      this.failures += stats.count ?? 0;
    }
    count('errors', result.errors);
    count('timeouts', result.timeouts);
    this.failures += result.errors;
  }

  result(): LoadResult {
    const sorted = Float64Array.from(this.latencies).sort();
    const percentile = (p: number) =>
      sorted.length === 0
        ? Number.NaN
        : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
    return {
      requestsPerSecond: this.seconds > 0 ? this.requests / this.seconds : 0,
      totalRequests: this.requests,
      p50Ms: percentile(0.5),
      p99Ms: percentile(0.99),
      failures: this.failures,
      failureDetail: [...this.details].map(([what, n]) => `${what}×${n}`).join(', '),
    };
  }
}

/** One GET per API key of the pool. */
export function bearerRequests(path: string, keys: readonly string[]): autocannon.Request[] {
  return keys.map((key) => ({ method: 'GET', path, headers: { authorization: `Bearer ${key}` } }));
}

/**
 * The part of the pool connection `index` of `connections` walks (round and round): the pool cut into one
 * run of keys or addresses per connection, so every item gets an even share of the load and, when the
 * pool has at least one item per connection, no two connections send the same one at once.
 */
export function shareOf<T>(items: readonly T[], index: number, connections: number): T[] {
  if (items.length <= connections) return [items[index % items.length] as T];
  const size = Math.floor(items.length / connections);
  const start = index * size;
  return items.slice(start, index === connections - 1 ? items.length : start + size);
}

interface Slice {
  result: autocannon.Result;
  /** Latency (ms) of every response. */
  latencies: number[];
  firstAtMs: number;
  lastAtMs: number;
}

/**
 * One autocannon run. autocannon's own count divides by the whole run, including the ramp-up and the
 * requests still in flight when it stops (up to one per connection, a large share at low rates), so the
 * rate is taken between the first and the last response instead.
 */
function run(url: string, options: CompareOptions, seconds: number): Promise<Slice> {
  let clients = 0;
  const latencies: number[] = [];
  let firstAtMs = 0;
  let lastAtMs = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: options.connections,
        duration: seconds,
        // autocannon builds the bytes of every request a connection is given before the slice starts, so
        // each connection is given only its share: handing each the whole pool took seconds per slice
        // (thousands of requests, ten times over), and the servers idled that long between their slices.
        requests: options.requests.slice(0, 1),
        setupClient: (client) => {
          client.setRequests(shareOf(options.requests, clients, options.connections));
          clients += 1;
        },
      },
      (error, result) => (error ? reject(error) : resolve({ result, latencies, firstAtMs, lastAtMs })),
    );
    instance.on('response', (_client, _status, _bytes, responseTime) => {
      lastAtMs = performance.now();
      if (latencies.length === 0) firstAtMs = lastAtMs;
      latencies.push(responseTime);
    });
  });
}

export interface Compared {
  baseline: LoadResult;
  iris: LoadResult;
  reference?: LoadResult;
}

export async function compare(options: CompareOptions): Promise<Compared> {
  const baseline = { url: options.baselineUrl, tally: new Tally(options.expectedStatus) };
  const iris = { url: options.irisUrl, tally: new Tally(options.expectedStatus) };
  const reference =
    options.referenceUrl === undefined
      ? undefined
      : { url: options.referenceUrl, tally: new Tally(options.expectedStatus) };
  const servers = reference ? [baseline, iris, reference] : [baseline, iris];
  if (options.warmupSeconds > 0) {
    for (const server of servers) {
      server.tally.add(await run(server.url, options, options.warmupSeconds), false, 'warm-up ');
    }
  }
  const slices = Math.max(1, Math.round(options.seconds));
  for (let i = 0; i < slices; i++) {
    // Forwards, then backwards: each server is measured early and late in a pair of slices alike.
    const order = i % 2 === 0 ? servers : [...servers].reverse();
    for (const server of order) {
      server.tally.add(await run(server.url, options, options.seconds / slices), true, '');
    }
  }
  return {
    baseline: baseline.tally.result(),
    iris: iris.tally.result(),
    ...(reference ? { reference: reference.tally.result() } : {}),
  };
}

/**
 * Sends one request per key (a few at a time) so every key has been used once before measuring: iris
 * refreshes a key's last_used_at at most once a minute, and a pool of never-used keys would otherwise
 * turn the measured reads into writes. Returns the statuses that were not 2xx.
 */
export async function touchEveryKey(
  url: string,
  path: string,
  keys: readonly string[],
  concurrency: number,
): Promise<string[]> {
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}` } });
      await response.arrayBuffer();
      if (response.status < 200 || response.status > 299) failures.push(String(response.status));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failures;
}
