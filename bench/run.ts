/**
 * `npm run bench`: starts iris, a bare express baseline and (x402 section) the stock @x402/express stack in
 * child processes, on a local anvil chain with real USDC for the paid cases; then (mpp section) an iris with
 * both rails and a local Stripe; then (contacts section) an iris per database mode for bulk imports and
 * search, (jobs section) an iris whose local worker drains no-op jobs, and (engine, smtp, webhooks) the
 * campaign engine, the SMTP adapter and webhook deliveries; prints req/s, latencies, ratios, debits/s, the
 * credit ledger's checks, jobs/s and the rows of those sections.
 */
import { loadavg } from 'node:os';
import { type BenchDatabaseServer, describeServer, startBenchDatabaseServer } from './lib/bench-database.ts';
import { type ChildServer, startChild } from './lib/child-server.ts';
import { type BenchConfig, readConfig } from './lib/config.ts';
import { runContactsSection } from './lib/contacts-section.ts';
import { runEngineSection } from './lib/engine-section.ts';
import { runJobsSection } from './lib/jobs-section.ts';
import { runMppSection } from './lib/mpp-section.ts';
import { PAID_WARMUP } from './lib/paid.ts';
import { keysMeBody, PLATFORM_CASES, runPlatform } from './lib/platform.ts';
import { BareReady, PipelineReady, StockReady } from './lib/protocol.ts';
import { type CaseResult, failuresOf, formatReport } from './lib/report.ts';
import { createScratchDatabase } from './lib/scratch-database.ts';
import { CAMPAIGNS_PER_ACCOUNT } from './lib/seed.ts';
import { runSmtpSection } from './lib/smtp-section.ts';
import { runWebhooksSection } from './lib/webhooks-section.ts';
import { burstVerdict, formatBurst, formatPaidLatency } from './lib/x402-report.ts';
import {
  captureIrisChallenge,
  type PaidResults,
  runChallenge,
  runPaid,
  startX402Setup,
  type X402Setup,
} from './lib/x402-section.ts';

/** Stops children, the chain, and drops the scratch database, last registered first. */
const cleanups: (() => Promise<void>)[] = [];

async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    const next = cleanups.pop();
    await next?.().catch((error: unknown) =>
      process.stderr.write(`bench: cleanup failed: ${String(error)}\n`),
    );
  }
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/** What the platform and x402 sections leave for the report. */
interface BaseRun {
  ready: PipelineReady;
  scratch: string;
  results: CaseResult[];
  bodies: string[];
  setup: string[];
  paid: PaidResults | undefined;
}

/** The platform and x402 sections: one iris, the bare baseline and (x402) the stock stack. */
async function runBase(config: BenchConfig): Promise<BaseRun> {
  const platform = config.sections.has('platform');
  const x402 = config.sections.has('x402');
  const scratch = await createScratchDatabase(config.databaseUrl);
  cleanups.push(() => scratch.drop());
  log(`created database ${scratch.display}`);
  const dbEnv = { DATABASE_URL: scratch.url };

  let setup: X402Setup | undefined;
  if (x402) {
    log('starting anvil (chain 8453, USDC at the Base address)');
    const started = await startX402Setup();
    setup = started;
    cleanups.push(() => started.chain.stop());
  }
  // The rail is configured for the x402 section only; it changes nothing on the GET routes of the platform rows.
  const noRail = { X402_PAY_TO: undefined, X402_SETTLER_PRIVATE_KEY: undefined, X402_RPC_URL: undefined };
  // The MPP rail is the mpp section's (its own iris), never on here, whatever the shell exports.
  const noMpp = { MPP_SECRET_KEY: undefined, STRIPE_SECRET_KEY: undefined };
  const keyCount = platform ? config.keyCount : 2;
  log(`starting iris with ${keyCount} API keys${setup ? ', x402 rail on' : ''}`);
  const pipeline: ChildServer<PipelineReady> = await startChild(
    'pipeline-server',
    'pipeline-server.ts',
    PipelineReady,
    {
      ...dbEnv,
      ...(setup?.iris.env ?? noRail),
      ...noMpp,
      BENCH_KEY_COUNT: String(keyCount),
      // A web-only process, as a deployment under load keeps one: each paid create queues its campaign's
      // run (discovery, ~230 drafts), which would otherwise run on this event loop while the next paid
      // create is measured. The stock handler only inserts a row; the engine has a section of its own.
      JOBS_CONCURRENCY: '0',
    },
  );
  cleanups.push(pipeline.stop);
  const keys = pipeline.ready.keys as [string, ...string[]];
  const irisUrl = pipeline.ready.url;

  const challenge = setup ? await captureIrisChallenge(irisUrl) : undefined;
  log('starting the bare baseline (express, and node:http for reference)');
  const bare: ChildServer<BareReady> = await startChild('bare-server', 'bare-server.ts', BareReady, {
    ...dbEnv,
    BENCH_KEYS_ME_BODY: platform ? await keysMeBody(irisUrl, keys[0]) : undefined,
    BENCH_CHALLENGE: challenge ? JSON.stringify(challenge) : undefined,
  });
  cleanups.push(bare.stop);
  let stock: ChildServer<StockReady> | undefined;
  if (setup) {
    log('starting the stock @x402/express stack');
    stock = await startChild('stock-x402-server', 'stock-x402-server.ts', StockReady, {
      ...dbEnv,
      ...setup.stock.env,
    });
    cleanups.push(stock.stop);
  }

  const results: CaseResult[] = [];
  const bodies: string[] = [];
  if (platform) {
    const measured = await runPlatform(
      config,
      { irisUrl, baselineUrl: bare.ready.url, referenceUrl: bare.ready.nodeUrl, keys },
      log,
    );
    results.push(...measured.results);
    bodies.push(...measured.bodies);
  }
  let paid: PaidResults | undefined;
  if (setup && challenge && stock) {
    const measured = await runChallenge(
      config,
      { irisUrl, baselineUrl: bare.ready.url, referenceUrl: bare.ready.nodeUrl },
      challenge,
      log,
    );
    results.push(measured.result);
    bodies.push(measured.body);
    paid = await runPaid(
      config,
      setup,
      { iris: irisUrl, irisProbe: pipeline.ready.probeUrl, stock: stock.ready.url },
      log,
    );
  }

  const { ready } = pipeline;
  const setupLines = [
    `iris: ${ready.keys.length} API keys over ${ready.accounts} accounts` +
      (platform ? ` (${keys.length - 1} rotated per request, each used once beforehand)` : '') +
      `, rate-limit store ${ready.rateLimitStore}, ${CAMPAIGNS_PER_ACCOUNT} campaigns per account` +
      (x402 ? ', x402 rail on (settler = anvil account 1, production defaults otherwise)' : ''),
  ];
  if (x402) {
    setupLines.push(
      `unpaid POST /campaigns: valid body, no key, a distinct X-Forwarded-For per request out of ` +
        `${config.addressCount} (iris trusts it from loopback), so the per-IP limits run and never trip`,
      `x402: anvil chain 8453, Circle FiatTokenV2_2 at the Base USDC address, $2.25 = 2250000 on eip155:8453, ` +
        `fresh payTo per stack; stock = express + paymentMiddleware (@x402/express) + x402ResourceServer + ` +
        `local x402Facilitator (exact EVM, viem wallet with nonceManager, anvil account 2), its handler inserts ` +
        `a campaign row in the same database`,
      `paid: hand-signed EIP-3009 authorizations (PAYMENT-SIGNATURE v2), one payer per stack, ` +
        `${PAID_WARMUP} unmeasured + ${config.paidRequests} measured sequential creates per stack, stacks alternating; ` +
        `ratio = stock p50 / iris p50 (≥ 1: iris no slower); burst: ${config.burst} parallel copies of one ` +
        `authorization, counted 1 s after the last response`,
    );
  }
  return { ready, scratch: scratch.display, results, bodies, setup: setupLines, paid };
}

/** The database server of the whole run; stopped after everything else. */
let databaseServer: BenchDatabaseServer | undefined;

async function main(): Promise<number> {
  const loadAtStart = loadavg()[0] ?? 0;
  const server = await startBenchDatabaseServer();
  databaseServer = server;
  log(`database server: ${server.kind}`);
  const config = readConfig(PLATFORM_CASES.length, server.url);
  try {
    return await runSections(config, server, loadAtStart);
  } finally {
    await cleanUp();
    await server.stop();
  }
}

async function runSections(
  config: BenchConfig,
  server: BenchDatabaseServer,
  loadAtStart: number,
): Promise<number> {
  const base =
    config.sections.has('platform') || config.sections.has('x402') ? await runBase(config) : undefined;
  // Each section's servers are stopped before the next starts, so idle ones do not share the machine.
  await cleanUp();
  const mpp = config.sections.has('mpp') ? await runMppSection(config, cleanups, log) : undefined;
  await cleanUp();
  const contacts = config.sections.has('contacts')
    ? await runContactsSection(config, server, cleanups, cleanUp, log)
    : undefined;
  await cleanUp();
  const jobs = config.sections.has('jobs') ? await runJobsSection(config, server, cleanups, log) : undefined;
  await cleanUp();
  const engine = config.sections.has('engine') ? await runEngineSection(config, cleanups, log) : undefined;
  const smtp = config.sections.has('smtp') ? await runSmtpSection(cleanups, log) : undefined;
  await cleanUp();
  const webhooks = config.sections.has('webhooks')
    ? await runWebhooksSection(config, cleanups, log)
    : undefined;
  const extra = [engine, smtp, webhooks];

  const results = [...(base?.results ?? []), ...(mpp?.results ?? [])];
  const tables: string[] = [];
  const paid = base?.paid;
  if (paid) {
    tables.push(formatPaidLatency(config.paidRequests, paid.latency.stock, paid.latency.iris));
    tables.push(formatBurst(paid.burst.stock, paid.burst.iris));
  }
  tables.push(...(mpp?.tables ?? []), ...(contacts?.tables ?? []), ...(jobs?.tables ?? []));
  tables.push(...extra.flatMap((section) => section?.tables ?? []));
  const scratches = [
    base?.scratch,
    mpp?.scratch,
    contacts?.scratch,
    jobs?.scratch,
    engine?.scratch,
    webhooks?.scratch,
  ].filter((name): name is string => name !== undefined);
  process.stdout.write(
    formatReport(
      {
        config,
        loadAtStart,
        database: describeServer(server, scratches),
        setup: [
          ...(base?.setup ?? []),
          ...(mpp?.setup ?? []),
          ...(contacts?.setup ?? []),
          ...(jobs?.setup ?? []),
          ...extra.flatMap((section) => section?.setup ?? []),
        ],
        bodies: [...(base?.bodies ?? []), ...(mpp?.bodies ?? []), ...(contacts?.bodies ?? [])].join('; '),
      },
      results,
      tables,
    ),
  );

  const failed = [
    ...failuresOf(results),
    ...(mpp?.failures ?? []),
    ...(contacts?.failures ?? []),
    ...(jobs?.failures ?? []),
    ...extra.flatMap((section) => section?.failures ?? []),
  ];
  if (paid) {
    for (const [who, latency] of [
      ['stock', paid.latency.stock],
      ['iris', paid.latency.iris],
    ] as const) {
      if (latency.failures > 0) failed.push(`paid POST /campaigns ${who}: ${latency.failureDetail}`);
    }
    if (burstVerdict(paid.burst.iris) !== 'ok') {
      failed.push(`same-authorization burst: iris ran the handler or moved money more than once`);
    }
  }
  if (failed.length > 0) {
    process.stderr.write(`\nbench FAILED:\n  ${failed.join('\n  ')}\n`);
    return 1;
  }
  return 0;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanUp()
      .then(() => databaseServer?.stop())
      .finally(() => process.exit(130));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    process.stderr.write(
      `\nbench FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await cleanUp();
    process.exitCode = 1;
  },
);
