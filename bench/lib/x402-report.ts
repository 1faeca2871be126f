/**
 * The printed x402 tables: paid create latency (stock @x402/express stack against iris, ratio of the
 * p50s against the target) and the same-authorization burst (handler runs, duplicates, transfers).
 */
import { formatUsdc } from '../../src/domain/pricing.ts';
import type { BurstResult, LatencyResult } from './paid.ts';
import { fixed, formatTable } from './table.ts';

/** iris p50 no worse than the stock stack's: stock p50 / iris p50 ≥ 1. */
export const PAID_LATENCY_TARGET = 1.0;

function triple(result: LatencyResult): string {
  return `${fixed(result.p50Ms, 1)} / ${fixed(result.p95Ms, 1)} / ${fixed(result.p99Ms, 1)}`;
}

export function formatPaidLatency(requests: number, stock: LatencyResult, iris: LatencyResult): string {
  const ratio = stock.p50Ms / iris.p50Ms;
  return formatTable(
    [
      { title: 'case', align: 'left' },
      { title: 'stock p50/p95/p99 ms', align: 'right' },
      { title: 'iris p50/p95/p99 ms', align: 'right' },
      { title: 'ratio', align: 'right' },
      { title: 'target', align: 'right' },
      { title: '', align: 'left' },
      { title: 'samples', align: 'right' },
      { title: 'failures', align: 'right' },
    ],
    [
      [
        `paid POST /campaigns ×${requests}`,
        triple(stock),
        triple(iris),
        `${fixed(ratio, 2)}×`,
        `≥ ${fixed(PAID_LATENCY_TARGET, 1)}×`,
        ratio >= PAID_LATENCY_TARGET ? 'ok' : 'below target',
        `${stock.samples} / ${iris.samples}`,
        String(stock.failures + iris.failures),
      ],
    ],
  );
}

/** Handler runs: the stock counter, or (iris, no counter) the rows the burst created. */
function runsOf(result: BurstResult): number {
  return result.handlerRuns ?? result.rows;
}

/** iris must run the handler once and move money once, whatever the others get. */
export function burstVerdict(result: BurstResult): string {
  const ok = runsOf(result) === 1 && result.rows <= 1 && result.distinctIds <= 1 && result.transfers === 1;
  return ok ? 'ok' : 'FAILED';
}

export function formatBurst(stock: BurstResult, iris: BurstResult): string {
  const row = (result: BurstResult, target: string, verdict: string) => [
    result.name,
    result.statuses,
    result.handlerRuns === null ? `${result.rows} (rows)` : String(result.handlerRuns),
    String(result.rows),
    String(result.distinctIds),
    String(Math.max(0, runsOf(result) - 1)),
    String(result.transfers),
    formatUsdc(result.movedAtomic),
    target,
    verdict,
  ];
  return formatTable(
    [
      { title: `same authorization ×${iris.requests} at once`, align: 'left' },
      { title: 'statuses', align: 'left' },
      { title: 'handler runs', align: 'right' },
      { title: 'rows', align: 'right' },
      { title: '201 ids', align: 'right' },
      { title: 'duplicate runs', align: 'right' },
      { title: 'transfers', align: 'right' },
      { title: 'USDC moved', align: 'right' },
      { title: 'target', align: 'left' },
      { title: '', align: 'left' },
    ],
    [row(stock, 'reported', ''), row(iris, '1 run, 1 transfer', burstVerdict(iris))],
  );
}
