/**
 * The paid cases on the local chain: sequential paid creates (a fresh authorization each, stacks
 * interleaved so background load hits both alike) for latency, and one authorization sent N times at
 * once, counting handler runs (database rows, handler counter) and transfers (payTo balance delta).
 */
import type { Address } from 'viem';
import type { LocalChain, Payer } from '../../tools/chain/local-chain.ts';
import { probeAddress } from './challenge.ts';
import { Stats } from './protocol.ts';
import { fetchOffer, type Offer, paidCreate, signPayment } from './x402-client.ts';

export const PRICE_ATOMIC = 2_250_000n;
/** Unmeasured paid creates per stack before the measured ones (JIT, connection, first-payment work). */
export const PAID_WARMUP = 3;
/** Pause after a burst's last response before counting, so work still running in the servers lands. */
const SETTLE_GRACE_MS = 1_000;

export interface PaidStack {
  name: string;
  url: string;
  payTo: Address;
  /** Rows of paid campaigns and (stock only) handler runs, read from the server. */
  statsUrl: string;
  payer: Payer;
}

export interface LatencyResult {
  samples: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Measured or warm-up responses that were not the expected answer (a 201 for paid creates). */
  failures: number;
  failureDetail: string;
}

export interface BurstResult {
  name: string;
  requests: number;
  /** e.g. `201×1, 409×19`. */
  statuses: string;
  /** Distinct campaign ids among the 201 bodies. */
  distinctIds: number;
  /** New paid campaign rows in the stack's database. */
  rows: number;
  /** Handler invocations (stock: its counter; iris: no counter, null). */
  handlerRuns: number | null;
  /** payTo balance delta over the price. */
  transfers: number;
  movedAtomic: bigint;
}

/** A stack's offer, read once: every authorization pays exactly what the server's 402 asks. */
const offers = new Map<string, Offer>();
let nextAddress = 1;

/** A distinct client address per paid request, so iris's per-IP limits never answer 429. */
function freshAddress(): string {
  const address = probeAddress(nextAddress);
  nextAddress += 1;
  return address;
}

async function offerOf(stack: PaidStack): Promise<Offer> {
  let offer = offers.get(stack.url);
  if (!offer) {
    offer = await fetchOffer(stack.url, freshAddress());
    if (
      offer.accepted.payTo.toLowerCase() !== stack.payTo.toLowerCase() ||
      offer.accepted.amount !== String(PRICE_ATOMIC)
    ) {
      throw new Error(`${stack.name}: unexpected offer ${JSON.stringify(offer.accepted)}`);
    }
    offers.set(stack.url, offer);
  }
  return offer;
}

async function statsOf(stack: PaidStack): Promise<Stats> {
  const response = await fetch(stack.statsUrl);
  if (!response.ok) throw new Error(`${stack.name} stats: ${response.status} ${await response.text()}`);
  return Stats.parse(await response.json());
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
}

function histogram(statuses: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}×${n}`)
    .join(', ');
}

/** The percentiles of `latencies` (ms), and the unexpected statuses with the first such body. */
export function latencyOf(
  latencies: readonly number[],
  failed: readonly number[],
  sample: string,
): LatencyResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50Ms: percentile(sorted, 0.5),
    p95Ms: percentile(sorted, 0.95),
    p99Ms: percentile(sorted, 0.99),
    failures: failed.length,
    failureDetail: failed.length > 0 ? `${histogram(failed)} (first: ${sample})` : '',
  };
}

/** `requests` measured paid creates per stack after PAID_WARMUP unmeasured ones, stacks alternating. */
export async function measurePaidLatency(
  stacks: readonly [PaidStack, PaidStack],
  requests: number,
): Promise<[LatencyResult, LatencyResult]> {
  const tallies = stacks.map(() => ({ latencies: [] as number[], failed: [] as number[], sample: '' }));
  for (let i = 0; i < PAID_WARMUP + requests; i++) {
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const index of order) {
      const stack = stacks[index] as PaidStack;
      const tally = tallies[index] as (typeof tallies)[number];
      const header = await signPayment(stack.payer.account, await offerOf(stack));
      const response = await paidCreate(stack.url, header, freshAddress());
      if (response.status !== 201) {
        tally.failed.push(response.status);
        tally.sample ||= response.text.slice(0, 300);
      } else if (i >= PAID_WARMUP) {
        tally.latencies.push(response.ms);
      }
    }
  }
  const results = tallies.map(({ latencies, failed, sample }) => latencyOf(latencies, failed, sample));
  return [results[0] as LatencyResult, results[1] as LatencyResult];
}

/** Signs one authorization and sends it `copies` times at once; counts what happened. */
export async function sameAuthorizationBurst(
  chain: Pick<LocalChain, 'balanceOf'>,
  stack: PaidStack,
  copies: number,
): Promise<BurstResult> {
  const offer = await offerOf(stack);
  const before = { stats: await statsOf(stack), balance: await chain.balanceOf(stack.payTo) };
  const header = await signPayment(stack.payer.account, offer);
  const addresses = Array.from({ length: copies }, freshAddress);
  const responses = await Promise.all(addresses.map((address) => paidCreate(stack.url, header, address)));
  await new Promise((resolve) => setTimeout(resolve, SETTLE_GRACE_MS));
  const after = { stats: await statsOf(stack), balance: await chain.balanceOf(stack.payTo) };
  const moved = after.balance - before.balance;
  const ids = new Set(responses.filter((r) => r.status === 201 && r.campaignId).map((r) => r.campaignId));
  return {
    name: stack.name,
    requests: copies,
    statuses: histogram(responses.map((r) => r.status)),
    distinctIds: ids.size,
    rows: after.stats.campaigns - before.stats.campaigns,
    handlerRuns:
      after.stats.handlerRuns === null || before.stats.handlerRuns === null
        ? null
        : after.stats.handlerRuns - before.stats.handlerRuns,
    transfers: Number(moved / PRICE_ATOMIC),
    movedAtomic: moved,
  };
}
