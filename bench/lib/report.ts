/**
 * The printed result: a few lines of context (database, machine, load settings), the table of req/s,
 * ratios against their targets and iris latencies, any further tables (x402), and the list of failures.
 */
import { cpus, loadavg } from 'node:os';
import type { BenchConfig } from './config.ts';
import type { LoadResult } from './load.ts';
import { fixed, formatTable } from './table.ts';

export interface CaseResult {
  name: string;
  /** Lowest acceptable iris/baseline ratio. */
  target: number;
  baseline: LoadResult;
  iris: LoadResult;
  /** The bare handler straight on node:http: reported, no target. */
  reference?: LoadResult;
}

export interface ReportContext {
  config: BenchConfig;
  database: string;
  /** Lines describing the servers under test, each with its label (`iris: …`). */
  setup: string[];
  bodies: string;
  /** 1-minute load average when the bench started: other work on the machine skews every number. */
  loadAtStart: number;
}

function rows(results: readonly CaseResult[]): string[][] {
  return results.map(({ name, target, baseline, iris, reference }) => {
    const ratio = iris.requestsPerSecond / baseline.requestsPerSecond;
    return [
      name,
      fixed(baseline.requestsPerSecond, 0),
      fixed(iris.requestsPerSecond, 0),
      `${fixed(ratio, 2)}×`,
      `≥ ${fixed(target, 2)}×`,
      ratio >= target ? 'ok' : 'below target',
      `${fixed(iris.p50Ms, 1)} / ${fixed(iris.p99Ms, 1)}`,
      reference ? fixed(reference.requestsPerSecond, 0) : '',
      reference ? `${fixed(iris.requestsPerSecond / reference.requestsPerSecond, 2)}×` : '',
      String(baseline.failures + iris.failures + (reference?.failures ?? 0)),
    ];
  });
}

/** The context lines, the req/s table (when there are rows), then `tables` one after the other. */
export function formatReport(
  context: ReportContext,
  results: readonly CaseResult[],
  tables: readonly string[] = [],
): string {
  const { config } = context;
  const table = formatTable(
    [
      { title: 'case', align: 'left' },
      { title: 'baseline req/s', align: 'right' },
      { title: 'iris req/s', align: 'right' },
      { title: 'ratio', align: 'right' },
      { title: 'target', align: 'right' },
      { title: '', align: 'left' },
      { title: 'iris p50/p99 ms', align: 'right' },
      { title: 'node:http req/s', align: 'right' },
      { title: 'iris/node:http', align: 'right' },
      { title: 'failures', align: 'right' },
    ],
    rows(results),
  );
  return [
    '',
    `database: ${context.database}`,
    `machine: node ${process.version}, ${cpus().length} cpus, load average ${fixed(context.loadAtStart, 2)} ` +
      `at start, ${fixed(loadavg()[0] ?? 0, 2)} at end`,
    `load: autocannon, ${config.connections} connections, each server in its own child process; per case and ` +
      `server ${config.warmupSeconds} s warm-up, then ${config.seconds} s measured in alternating ~1 s slices`,
    `baseline: bare handlers (same bytes, or the same query) as express 5 routes, the framework the targets ` +
      `were set with, as iris serves them; node:http: the same handlers with no framework (reported, no target)`,
    ...context.setup,
    `response bodies: ${context.bodies}`,
    `failures: responses with another status than expected (2xx; 402 for the unpaid POST) or connection errors`,
    ...(results.length > 0 ? ['', table] : []),
    ...tables.flatMap((extra) => ['', extra]),
    '',
  ].join('\n');
}

/** One line per server and case that saw unexpected statuses or connection errors. */
export function failuresOf(results: readonly CaseResult[]): string[] {
  return results.flatMap(({ name, baseline, iris, reference }) => [
    ...(baseline.failures > 0 ? [`${name} baseline: ${baseline.failureDetail}`] : []),
    ...(iris.failures > 0 ? [`${name} iris: ${iris.failureDetail}`] : []),
    ...(reference && reference.failures > 0 ? [`${name} node:http: ${reference.failureDetail}`] : []),
  ]);
}
