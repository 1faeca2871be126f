/**
 * Credit debits under concurrency: N clients at once, each spending its agents one after the other with
 * `POST /campaigns` and the agent's key until the create is refused (402 PAYMENT_005). Counts 201s per
 * second over the run, checks every 201's balance and that no agent got more campaigns than its credits.
 */
import { Agent as HttpAgent, request } from 'node:http';
import { CHALLENGE_BODY, CHALLENGE_PATH } from './challenge.ts';
import type { Agent } from './mpp-setup.ts';

export interface DebitRun {
  clients: number;
  agents: number;
  /** Credits the agents held before the run. */
  granted: number;
  /** 201s. */
  created: number;
  /** 402 PAYMENT_005: the one refused create per agent that ends its spending. */
  refused: number;
  /** Agents whose 201 count differs from their credits (more is an overdraft, fewer a lost credit). */
  mismatched: number;
  /** 201s whose meta.payment.balance was not the credits left. */
  wrongBalances: number;
  /** Any other status, as `status code×n`; empty when there was none. */
  unexpected: string;
  unexpectedCount: number;
  seconds: number;
  debitsPerSecond: number;
  /** Latency of the 201s. */
  p50Ms: number;
  p99Ms: number;
  /** CPU time per request (201 or not) of the server, and of this process sending them. */
  serverCpuMs: number;
  clientCpuMs: number;
}

interface Sent {
  status: number;
  text: string;
  ms: number;
}

/** A create beyond this many past an agent's credits stops its loop (only reached when iris overdraws). */
const OVERDRAFT_PROBE = 3;

function post(baseUrl: string, key: string, pool: HttpAgent): Promise<Sent> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(CHALLENGE_PATH, baseUrl),
      {
        method: 'POST',
        agent: pool,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(CHALLENGE_BODY),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: performance.now() - started,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(CHALLENGE_BODY);
  });
}

function parse(text: string): {
  error?: { code?: string };
  meta?: { payment?: { rail?: string; credits_spent?: number; balance?: number } };
} {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

/**
 * Runs `queues.length` clients at once, client i spending the agents of queues[i] in order;
 * `serverCpu` reads the server's CPU time so far (µs).
 */
export async function spendAll(
  baseUrl: string,
  queues: readonly (readonly Agent[])[],
  serverCpu: () => Promise<number>,
): Promise<DebitRun> {
  const pool = new HttpAgent({ keepAlive: true, maxSockets: queues.length });
  const latencies: number[] = [];
  const unexpected = new Map<string, number>();
  let created = 0;
  let refused = 0;
  let mismatched = 0;
  let wrongBalances = 0;

  const spend = async (agent: Agent) => {
    let spent = 0;
    for (let sent = 0; sent <= agent.credits + OVERDRAFT_PROBE; sent++) {
      const response = await post(baseUrl, agent.key, pool);
      const body = parse(response.text);
      if (response.status === 201) {
        spent += 1;
        latencies.push(response.ms);
        const payment = body.meta?.payment;
        if (
          payment?.rail !== 'mpp' ||
          payment.credits_spent !== 1 ||
          payment.balance !== agent.credits - spent
        )
          wrongBalances += 1;
        continue;
      }
      if (response.status === 402 && body.error?.code === 'PAYMENT_005') refused += 1;
      else {
        const what = `${response.status} ${body.error?.code ?? '?'}`;
        unexpected.set(what, (unexpected.get(what) ?? 0) + 1);
      }
      break;
    }
    created += spent;
    if (spent !== agent.credits) mismatched += 1;
  };

  const serverBefore = await serverCpu();
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  try {
    await Promise.all(
      queues.map(async (queue) => {
        for (const agent of queue) await spend(agent);
      }),
    );
  } finally {
    pool.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  const client = process.cpuUsage(clientBefore);
  const serverMicros = (await serverCpu()) - serverBefore;
  const sorted = Float64Array.from(latencies).sort();
  const agents = queues.flat();
  const unexpectedCount = [...unexpected.values()].reduce((sum, n) => sum + n, 0);
  const requests = created + refused + unexpectedCount;
  return {
    clients: queues.length,
    agents: agents.length,
    granted: agents.reduce((sum, agent) => sum + agent.credits, 0),
    created,
    refused,
    mismatched,
    wrongBalances,
    unexpected: [...unexpected].map(([what, n]) => `${what}×${n}`).join(', '),
    unexpectedCount,
    seconds,
    debitsPerSecond: created / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    serverCpuMs: serverMicros / 1000 / requests,
    clientCpuMs: (client.user + client.system) / 1000 / requests,
  };
}

/** `agents` dealt round-robin to `clients` queues: client i gets agents i, i + clients, … */
export function dealAgents(agents: readonly Agent[], clients: number): Agent[][] {
  const queues: Agent[][] = Array.from({ length: clients }, () => []);
  agents.forEach((agent, i) => {
    queues[i % clients]?.push(agent);
  });
  return queues;
}
