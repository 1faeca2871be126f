/**
 * The engine section: a paid agent campaign from its 201 to every draft approved, on the offline adapters
 * (sample discovery, offline drafter) and the local worker of an iris child with the x402 rail on the
 * local anvil chain. The create goes through the stock @x402/fetch client (402, signed EIP-3009
 * authorization, paid retry). The baseline, measured in the same run on the same iris and alternating
 * with it: an account campaign with the same body and `approval_mode: auto`, from the 200 of its
 * activation to every draft approved. The bench polls the database every POLL_MS until no campaign.run
 * or campaign.draft job is queued or running and every message of the campaign has approved_at set.
 */
import { x402Client } from '@x402/core/client';
import { toClientEvmSigner } from '@x402/evm';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { wrapFetchWithPayment } from '@x402/fetch';
import postgres from 'postgres';
import type { PrivateKeyAccount } from 'viem/accounts';
import { z } from 'zod';
import type { LocalChain } from '../../tools/chain/local-chain.ts';
import { probeAddress } from './challenge.ts';
import { type ChildServer, startChild } from './child-server.ts';
import type { BenchConfig } from './config.ts';
import { type LatencyResult, latencyOf } from './paid.ts';
import { PipelineReady } from './protocol.ts';
import { createScratchDatabase } from './scratch-database.ts';
import { fixed, formatTable } from './table.ts';
import { startX402Setup } from './x402-section.ts';

/** Seconds from a paid agent campaign's 201 to all its drafts approved. */
export const ENGINE_TARGET_S = 5;
const WARMUP = 1;
const POLL_MS = 25;
const RUN_TIMEOUT_MS = 60_000;
/** The campaign both cases create: an agent gets 30 contacts; the account asks for as many. */
const CAMPAIGN = {
  name: 'Bench engine run',
  objective_type: 'venue_dj',
  location: 'Austin, TX',
  outreach_channels: ['email', 'instagram'],
  followup_days: [3, 7, 14],
};

export interface EngineSection {
  scratch: string;
  setup: string[];
  tables: string[];
  failures: string[];
}

interface Run {
  seconds: number;
  contacts: number;
  messages: number;
}

const Created = z.object({ data: z.object({ id: z.uuid() }) });

function runsFromEnv(): number {
  const count = Number(process.env.BENCH_ENGINE_RUNS ?? '5');
  if (!Number.isInteger(count) || count < 1) throw new Error('BENCH_ENGINE_RUNS must be an integer ≥ 1');
  return count;
}

/** The unmodified @x402/fetch client paying with `account`, up to $5 per payment. */
function stockClient(chain: LocalChain, account: PrivateKeyAccount): typeof fetch {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: toClientEvmSigner(account, chain.publicClient) });
  client.setSpendControls({ maxAmountPerPayment: '$5' });
  return wrapFetchWithPayment(fetch, client);
}

/** Waits until the campaign's engine is idle and every message it drafted is approved. */
async function approvedAll(sql: postgres.Sql, campaignId: string, started: number): Promise<Run> {
  const deadline = started + RUN_TIMEOUT_MS;
  for (;;) {
    const [row] = await sql<
      { open: number; failed: number; messages: number; unapproved: number; contacts: number }[]
    >`
      select
        (select count(*)::int from jobs where kind in ('campaign.run', 'campaign.draft')
          and state in ('queued', 'running')) as open,
        (select count(*)::int from jobs where kind in ('campaign.run', 'campaign.draft') and state = 'failed') as failed,
        count(*)::int as messages,
        count(*) filter (where approved_at is null)::int as unapproved,
        count(distinct contact_id)::int as contacts
      from messages where campaign_id = ${campaignId}::uuid and direction = 'outbound'`;
    if (!row) throw new Error('engine: no counts');
    if (row.failed > 0) throw new Error(`engine: ${row.failed} engine jobs failed`);
    if (row.open === 0 && row.messages > 0 && row.unapproved === 0) {
      return {
        seconds: (performance.now() - started) / 1000,
        contacts: row.contacts,
        messages: row.messages,
      };
    }
    if (performance.now() > deadline) {
      throw new Error(`engine: campaign ${campaignId} not approved after ${RUN_TIMEOUT_MS / 1000} s`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function paidRun(iris: string, pay: typeof fetch, sql: postgres.Sql, i: number): Promise<Run> {
  const response = await pay(`${iris}/campaigns`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': probeAddress(200 + i) },
    body: JSON.stringify(CAMPAIGN),
  });
  const started = performance.now();
  const text = await response.text();
  if (response.status !== 201) throw new Error(`engine: paid create answered ${response.status}: ${text}`);
  return approvedAll(sql, Created.parse(JSON.parse(text)).data.id, started);
}

async function accountRun(iris: string, key: string, sql: postgres.Sql): Promise<Run> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
  const created = await fetch(`${iris}/campaigns`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ ...CAMPAIGN, max_results: 30, approval_mode: 'auto' }),
  });
  const text = await created.text();
  if (created.status !== 201) throw new Error(`engine: account create answered ${created.status}: ${text}`);
  const id = Created.parse(JSON.parse(text)).data.id;
  const activated = await fetch(`${iris}/campaigns/${id}/status`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ status: 'active' }),
  });
  const started = performance.now();
  const body = await activated.text();
  if (activated.status !== 200) throw new Error(`engine: activation answered ${activated.status}: ${body}`);
  return approvedAll(sql, id, started);
}

function summary(runs: readonly Run[]): LatencyResult {
  return latencyOf(
    runs.map((run) => run.seconds * 1000),
    [],
    '',
  );
}

/** Runs the section; what it starts is registered in `cleanups` (the caller stops it all). */
export async function runEngineSection(
  config: BenchConfig,
  cleanups: (() => Promise<void>)[],
  log: (message: string) => void,
): Promise<EngineSection> {
  const runs = runsFromEnv();
  const scratch = await createScratchDatabase(config.databaseUrl);
  cleanups.push(() => scratch.drop());
  log(`engine: created database ${scratch.display}; starting anvil`);
  const setup = await startX402Setup();
  cleanups.push(() => setup.chain.stop());
  const iris: ChildServer<PipelineReady> = await startChild(
    'pipeline-server',
    'pipeline-server.ts',
    PipelineReady,
    {
      DATABASE_URL: scratch.url,
      ...setup.iris.env,
      BENCH_KEY_COUNT: '2',
      MPP_SECRET_KEY: undefined,
      STRIPE_SECRET_KEY: undefined,
    },
  );
  cleanups.push(iris.stop);
  const sql = postgres(scratch.url, { max: 1, onnotice: () => {} });
  cleanups.push(() => sql.end({ timeout: 5 }));
  const pay = stockClient(setup.chain, setup.iris.payer.account);
  const adminKey = iris.ready.keys[0] as string;

  log(`engine: ${WARMUP} unmeasured + ${runs} measured runs of each case, alternating`);
  const paid: Run[] = [];
  const account: Run[] = [];
  for (let i = 0; i < WARMUP + runs; i++) {
    const paidRunResult = await paidRun(iris.ready.url, pay, sql, i);
    const accountRunResult = await accountRun(iris.ready.url, adminKey, sql);
    if (i < WARMUP) continue;
    paid.push(paidRunResult);
    account.push(accountRunResult);
  }
  const p = summary(paid);
  const a = summary(account);
  const last = (list: readonly Run[]) => list[list.length - 1];
  const shape = (run: Run | undefined) => (run ? `${run.contacts} / ${run.messages}` : '?');
  const verdict = p.p50Ms / 1000 <= ENGINE_TARGET_S ? 'ok' : 'over target';
  const table = formatTable(
    [
      { title: 'engine (offline adapters, local worker)', align: 'left' },
      { title: 'contacts / drafts', align: 'right' },
      { title: 'p50 / max s', align: 'right' },
      { title: 'ratio', align: 'right' },
      { title: 'target s', align: 'right' },
      { title: '', align: 'left' },
      { title: 'runs', align: 'right' },
    ],
    [
      [
        'paid agent campaign: 201 → all drafts approved',
        shape(last(paid)),
        `${fixed(p.p50Ms / 1000, 2)} / ${fixed(Math.max(...paid.map((run) => run.seconds)), 2)}`,
        `${fixed(p.p50Ms / a.p50Ms, 2)}×`,
        `≤ ${ENGINE_TARGET_S}`,
        verdict,
        String(p.samples),
      ],
      [
        'baseline: account campaign (auto): activation 200 → all approved',
        shape(last(account)),
        `${fixed(a.p50Ms / 1000, 2)} / ${fixed(Math.max(...account.map((run) => run.seconds)), 2)}`,
        '1.00×',
        '',
        '',
        String(a.samples),
      ],
    ],
  );
  return {
    scratch: scratch.display,
    setup: [
      `engine: an iris child with the x402 rail on anvil (offline discovery and drafter, JOBS_DRIVER=local), ` +
        `fresh database ${scratch.display}; the paid create through the stock @x402/fetch client; ` +
        `${WARMUP} unmeasured + ${runs} measured runs per case, alternating; done = no campaign.run/` +
        `campaign.draft job open and every outbound message of the campaign approved (polled every ` +
        `${POLL_MS} ms); ratio = paid p50 / account p50`,
    ],
    tables: [table],
    failures: [],
  };
}
