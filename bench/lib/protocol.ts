/**
 * The line protocol between the orchestrator and its server children: each child prints one JSON line
 * when it is ready, and stops when signalled or when its stdin closes (the orchestrator went away).
 */
import { z } from 'zod';

export const PipelineReady = z.object({
  url: z.url(),
  port: z.number().int(),
  rateLimitStore: z.string(),
  accounts: z.number().int(),
  /** Raw API keys, spread over several accounts (at most 25 active keys per account). */
  keys: z.array(z.string()).min(2),
  /** Whether the x402 rail is configured (X402_PAY_TO and friends were passed in). */
  x402: z.boolean(),
  /** Whether the MPP rail is configured (MPP_SECRET_KEY, STRIPE_SECRET_KEY and friends were passed in). */
  mpp: z.boolean(),
  /** A side server of the child, not part of iris: `GET /stats` counts rows in the iris database. */
  probeUrl: z.url(),
});
export type PipelineReady = z.infer<typeof PipelineReady>;

export const StockReady = z.object({
  url: z.url(),
  port: z.number().int(),
});
/** The stock @x402/express stack; `GET /bench/stats` (unprotected) reports its handler counter. */
export type StockReady = z.infer<typeof StockReady>;

/** The bare handlers: as express routes at `url` (the baseline), straight on node:http at `nodeUrl`. */
export const BareReady = StockReady.extend({ nodeUrl: z.url() });
export type BareReady = z.infer<typeof BareReady>;

/** What the probes answer: paid campaign rows in the server's database, and handler runs if counted. */
export const Stats = z.object({ campaigns: z.number().int(), handlerRuns: z.number().int().nullable() });
export type Stats = z.infer<typeof Stats>;

/** The credit ledger's totals, from the iris child's probe (`GET /ledger`). */
export const Ledger = z.object({
  accounts: z.number().int(),
  /** credit_accounts rows with balance < 0: overdrafts (the CHECK constraint should make this 0). */
  negative: z.number().int(),
  /** Sum of all balances left. */
  balance: z.number().int(),
  purchases: z.number().int(),
  /** Credits the purchase entries added. */
  purchased: z.number().int(),
  debits: z.number().int(),
  /** Refund, reversal and adjustment entries. */
  others: z.number().int(),
  /** Campaigns owned by the system user (agents' campaigns) that are not waiting for a payment. */
  campaigns: z.number().int(),
});
export type Ledger = z.infer<typeof Ledger>;

/** The iris child's own CPU time so far, in microseconds (`process.cpuUsage()`, probe `GET /cpu`). */
export const CpuUsage = z.object({ user: z.number(), system: z.number() });
export type CpuUsage = z.infer<typeof CpuUsage>;

/** Prints the ready line; the orchestrator reads exactly one line from stdout. */
export function announce(payload: PipelineReady | BareReady | StockReady): void {
  process.stdout.write(`${JSON.stringify(payload)}\n`);
}

/** Runs `stop` once on SIGTERM, SIGINT or stdin end, then exits (1 when stopping failed). */
export function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const run = () => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`bench server: stop failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', run);
  process.once('SIGINT', run);
  process.stdin.on('end', run);
  process.stdin.on('close', run);
  process.stdin.resume();
}

/** Reports a startup failure on stderr and exits non-zero, so the orchestrator sees it. */
export function failStartup(name: string, error: unknown): never {
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`${name}: startup failed: ${detail}\n`);
  process.exit(1);
}
