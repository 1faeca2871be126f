/**
 * The x402 section: the local chain and the two stacks' settings, challenge issuance (iris against a
 * baseline replaying iris's captured 402), paid create latency and the same-authorization burst.
 */
import type { Address, Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { type LocalChain, newPayer, type Payer, startLocalChain } from '../../tools/chain/local-chain.ts';
import {
  type CapturedResponse,
  captureChallenge,
  challengeRequests,
  expectChallenge,
  expectSameResponse,
  probeAddress,
} from './challenge.ts';
import type { BenchConfig } from './config.ts';
import { compare } from './load.ts';
import {
  type BurstResult,
  type LatencyResult,
  measurePaidLatency,
  type PaidStack,
  sameAuthorizationBurst,
} from './paid.ts';
import type { CaseResult } from './report.ts';

export const CHALLENGE_TARGET = 0.75;
/** USDC minted to each stack's payer: far more than the warm-up, the measured creates and the bursts. */
const PAYER_BALANCE = 10_000_000_000n;

export interface StackSettings {
  payTo: Address;
  settlerKey: Hex;
  payer: Payer;
  /** Env for the child: X402_PAY_TO, X402_SETTLER_PRIVATE_KEY, X402_RPC_URL. */
  env: Record<string, string>;
}

export interface X402Setup {
  chain: LocalChain;
  iris: StackSettings;
  stock: StackSettings;
}

/** anvil with real USDC; iris settles with dev account 1, the stock facilitator with 2; fresh payTos. */
export async function startX402Setup(): Promise<X402Setup> {
  const chain = await startLocalChain();
  try {
    const settings = async (accountIndex: number): Promise<StackSettings> => {
      const settler = chain.accounts[accountIndex];
      if (!settler) throw new Error(`anvil has no account ${accountIndex}`);
      const payTo = privateKeyToAccount(generatePrivateKey()).address;
      return {
        payTo,
        settlerKey: settler.privateKey,
        payer: await newPayer(chain, PAYER_BALANCE),
        env: { X402_PAY_TO: payTo, X402_SETTLER_PRIVATE_KEY: settler.privateKey, X402_RPC_URL: chain.rpcUrl },
      };
    };
    return { chain, iris: await settings(1), stock: await settings(2) };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}

/**
 * Replaces what changes from one request to the next in iris's 402: the request id and the caller's
 * rate-limit state (the load's callers are many addresses, each at its own count and reset time).
 */
function withoutRequestIds(captured: CapturedResponse): string {
  const headers = captured.headers.map(([name, value]) =>
    name.toLowerCase().startsWith('x-ratelimit-') ? [name, '…'] : [name, value],
  );
  return JSON.stringify({ ...captured, headers }).replace(/req_[0-9a-f]{24}/g, 'req_…');
}

/**
 * iris's 402 for the baseline to replay. Captured twice: both must be the same but for the request id
 * (same length), so the replayed bytes stand for every response of the load.
 */
export async function captureIrisChallenge(irisUrl: string): Promise<CapturedResponse> {
  const first = await captureChallenge(irisUrl, probeAddress(0));
  expectChallenge('iris POST /campaigns (unpaid)', first);
  const second = await captureChallenge(irisUrl, probeAddress(0));
  if (withoutRequestIds(first) !== withoutRequestIds(second) || first.body.length !== second.body.length) {
    throw new Error(
      `iris POST /campaigns (unpaid): two 402s differ beyond the request id\n  ${first.body}\n  ${second.body}`,
    );
  }
  return first;
}

export async function runChallenge(
  config: BenchConfig,
  servers: { irisUrl: string; baselineUrl: string; referenceUrl: string },
  captured: CapturedResponse,
  log: (message: string) => void,
  name = 'POST /campaigns (402)',
): Promise<{ result: CaseResult; body: string }> {
  const baseline = await captureChallenge(servers.baselineUrl, probeAddress(0));
  expectSameResponse(name, captured, baseline);
  expectSameResponse(
    `${name} (node:http)`,
    captured,
    await captureChallenge(servers.referenceUrl, probeAddress(0)),
  );
  log(
    `${name}: ${config.warmupSeconds} s warm-up + ${config.seconds} s measured, each server, ` +
      `${config.addressCount} client addresses`,
  );
  const measured = await compare({
    baselineUrl: servers.baselineUrl,
    irisUrl: servers.irisUrl,
    referenceUrl: servers.referenceUrl,
    requests: challengeRequests(config.addressCount),
    expectedStatus: 402,
    connections: config.connections,
    warmupSeconds: config.warmupSeconds,
    seconds: config.seconds,
  });
  return {
    result: { name, target: CHALLENGE_TARGET, ...measured },
    body: `${name} ${Buffer.byteLength(captured.body)} B + ${captured.headers.length} headers (baseline: the same bytes)`,
  };
}

export interface PaidResults {
  latency: { stock: LatencyResult; iris: LatencyResult };
  burst: { stock: BurstResult; iris: BurstResult };
}

export async function runPaid(
  config: BenchConfig,
  setup: X402Setup,
  urls: { iris: string; irisProbe: string; stock: string },
  log: (message: string) => void,
): Promise<PaidResults> {
  const stock: PaidStack = {
    name: 'stock @x402/express',
    url: urls.stock,
    payTo: setup.stock.payTo,
    statsUrl: `${urls.stock}/bench/stats`,
    payer: setup.stock.payer,
  };
  const iris: PaidStack = {
    name: 'iris',
    url: urls.iris,
    payTo: setup.iris.payTo,
    statsUrl: `${urls.irisProbe}/stats`,
    payer: setup.iris.payer,
  };
  // anvil mines only on transactions: after minutes of other cases its latest block is minutes old, and
  // verification simulates at that block's time, before the authorizations' validAfter. A real chain
  // makes a block every 2 s; a fresh block stands for that.
  await setup.chain.mine();
  log(`paid POST /campaigns: ${config.paidRequests} sequential paid creates per stack, alternating`);
  const [stockLatency, irisLatency] = await measurePaidLatency([stock, iris], config.paidRequests);
  log(`same authorization sent ${config.burst} times at once, each stack`);
  await setup.chain.mine();
  const stockBurst = await sameAuthorizationBurst(setup.chain, stock, config.burst);
  const irisBurst = await sameAuthorizationBurst(setup.chain, iris, config.burst);
  return {
    latency: { stock: stockLatency, iris: irisLatency },
    burst: { stock: stockBurst, iris: irisBurst },
  };
}
