/**
 * The mpp section: an iris with both rails (x402 on a local anvil chain, MPP against the local Stripe
 * server) on a database of its own; agents buy credit packs through the API, then concurrent clients
 * spend them (debits/s, ledger checked after); and challenge issuance (402 with PAYMENT-REQUIRED and
 * WWW-Authenticate) against a bare express handler replaying the same bytes (node:http reported).
 */
import { BURST_LIMIT, CLASS_LIMITS, GLOBAL_LIMIT } from '../../src/pipeline/rate-limit/limits.ts';
import { type ChildServer, startChild } from './child-server.ts';
import { type BenchConfig, PACK_CREDITS, requestsPerKey } from './config.ts';
import { dealAgents, spendAll } from './mpp-debits.ts';
import { formatDebits, formatLedger, ledgerFailures } from './mpp-report.ts';
import { buyAgents, startMppSetup } from './mpp-setup.ts';
import { BareReady, CpuUsage, Ledger, PipelineReady } from './protocol.ts';
import type { CaseResult } from './report.ts';
import { createScratchDatabase } from './scratch-database.ts';
import { fixed } from './table.ts';
import { captureIrisChallenge, runChallenge } from './x402-section.ts';

export const MPP_CHALLENGE_NAME = 'POST /campaigns (402, x402 + MPP)';
/** Packs bought per warm-up agent (one warm-up agent per client, spent before the measured run). */
const WARMUP_PACKS = 1;
/** Purchases in flight at once while setting up (each is two iris requests and one Stripe call). */
const PURCHASE_CONCURRENCY = 16;

export interface MppSection {
  /** The section's scratch database. */
  scratch: string;
  results: CaseResult[];
  bodies: string[];
  setup: string[];
  tables: string[];
  failures: string[];
}

/** Runs the section; everything it starts is registered in `cleanups` (the caller stops it all). */
export async function runMppSection(
  config: BenchConfig,
  cleanups: (() => Promise<void>)[],
  log: (message: string) => void,
): Promise<MppSection> {
  const scratch = await createScratchDatabase(config.databaseUrl);
  cleanups.push(() => scratch.drop());
  log(`mpp: created database ${scratch.display}`);
  const dbEnv = { DATABASE_URL: scratch.url };
  log('mpp: starting anvil and the local Stripe server');
  const setup = await startMppSetup();
  cleanups.push(() => setup.chain.stop());
  cleanups.push(() => setup.stripe.close());

  log('mpp: starting iris with the x402 and MPP rails');
  const iris: ChildServer<PipelineReady> = await startChild(
    'pipeline-server',
    'pipeline-server.ts',
    PipelineReady,
    {
      ...dbEnv,
      ...setup.env,
      BENCH_KEY_COUNT: '2',
      // A web-only process: each debit creates a live campaign whose run (discovery, drafts) would
      // otherwise share this event loop with the debits measured (see run.ts).
      JOBS_CONCURRENCY: '0',
    },
  );
  cleanups.push(iris.stop);
  if (!iris.ready.x402 || !iris.ready.mpp) throw new Error('mpp: iris did not start with both rails');
  const irisUrl = iris.ready.url;

  const challenge = await captureIrisChallenge(irisUrl);
  if (!challenge.headers.some(([name]) => name.toLowerCase() === 'www-authenticate')) {
    throw new Error(`mpp: the 402 carries no WWW-Authenticate: ${JSON.stringify(challenge.headers)}`);
  }
  log('mpp: starting the bare baseline');
  const bare: ChildServer<BareReady> = await startChild('bare-server', 'bare-server.ts', BareReady, {
    ...dbEnv,
    BENCH_CHALLENGE: JSON.stringify(challenge),
  });
  cleanups.push(bare.stop);
  // First, on the fresh server, as the x402 section measures its challenge: the two rows then differ by
  // the second rail only.
  const challengeRow = await runChallenge(
    config,
    { irisUrl, baselineUrl: bare.ready.url, referenceUrl: bare.ready.nodeUrl },
    challenge,
    log,
    MPP_CHALLENGE_NAME,
  );

  const { mppClients: clients, mppAgentsPerClient: perClient, mppPacks: packs } = config;
  log(
    `mpp: buying credit packs with the stock mppx client: ${clients} warm-up agents × ${WARMUP_PACKS}, ` +
      `${clients * perClient} agents × ${packs}`,
  );
  const started = performance.now();
  const warmupAgents = await buyAgents(irisUrl, clients, WARMUP_PACKS, PURCHASE_CONCURRENCY);
  const agents = await buyAgents(irisUrl, clients * perClient, packs, PURCHASE_CONCURRENCY);
  const purchaseSeconds = (performance.now() - started) / 1000;
  const paymentIntents = setup.stripe.requests.filter(
    (r) => r.method === 'POST' && r.path === '/v1/payment_intents',
  ).length;

  const stripeBeforeSpending = setup.stripe.requests.length;
  log(`mpp: warm-up, ${clients} clients spending one agent each`);
  const cpu = async () => {
    const usage = CpuUsage.parse(await (await fetch(`${iris.ready.probeUrl}/cpu`)).json());
    return usage.user + usage.system;
  };
  const warmup = await spendAll(irisUrl, dealAgents(warmupAgents, clients), cpu);
  log(`mpp: ${clients} clients spending ${perClient} agents each, ${packs * PACK_CREDITS} credits per agent`);
  const measured = await spendAll(irisUrl, dealAgents(agents, clients), cpu);
  const ledger = Ledger.parse(await (await fetch(`${iris.ready.probeUrl}/ledger`)).json());
  const stripeDuringSpending = setup.stripe.requests.length - stripeBeforeSpending;

  const perKey = requestsPerKey(packs);
  const limits =
    `${BURST_LIMIT.limit}/s burst, ${GLOBAL_LIMIT.limit}/min, ` +
    `${CLASS_LIMITS.campaignMutations.limit} campaign writes/min`;
  const failures = ledgerFailures(measured, warmup, ledger).map((failure) => `mpp ${failure}`);
  return {
    scratch: scratch.display,
    results: [challengeRow.result],
    bodies: [challengeRow.body],
    setup: [
      `mpp: an iris of its own with both rails on its own database, stock-configured otherwise: ` +
        `x402 on its own anvil (chain 8453, USDC at the Base address, settler = anvil account 1, fresh payTo), ` +
        `MPP through mppx to the local Stripe server of test/helpers (in the orchestrator process)`,
      `mpp credits: none seeded, all bought through POST /agent/credits with the stock mppx client (stripe ` +
        `method, one card per agent): ${agents.length + warmupAgents.length} agents, ${paymentIntents} ` +
        `PaymentIntents of ${PACK_CREDITS} credits, ${fixed(purchaseSeconds, 1)} s; the first pack anonymous ` +
        `(it issues the agent key), the others with that key and the credential in Payment-Authorization`,
      `mpp debits: ${clients} concurrent clients (keep-alive node:http), each spending ${perClient} agents one ` +
        `after the other: POST /campaigns with Authorization: Bearer <agent key> until 402 PAYMENT_005; ` +
        `${packs * PACK_CREDITS} credits per agent, so ${perKey.all} requests per key in all (${perKey.creates} ` +
        `creates), inside one window of each per-key limit (${limits}): no 429 however fast; debits/s = 201s / ` +
        `wall time from the first request to the last response (the refused creates included); warm-up before: ` +
        `1 agent × ${WARMUP_PACKS * PACK_CREDITS} credits per client; Stripe requests while spending: ` +
        `${stripeDuringSpending}; CPU ms/req: process.cpuUsage() of the iris child (the ` +
        `database server's work not included) and of the orchestrator running the clients, over the requests sent`,
      `mpp challenge: unpaid POST /campaigns, valid body, no key, a distinct X-Forwarded-For per request out ` +
        `of ${config.addressCount}; 402 with PAYMENT-REQUIRED, WWW-Authenticate: Payment and the mpp and ` +
        `credits body objects, measured on the fresh server before the purchases; baseline: a bare express ` +
        `handler replaying the same status, headers and bytes (node:http: the same handler without express)`,
    ],
    tables: [formatDebits(measured), formatLedger(measured, warmup, ledger)],
    failures: [
      ...failures,
      ...(stripeDuringSpending > 0 ? ['mpp: Stripe was called while spending credits'] : []),
    ],
  };
}
