/**
 * The pieces of the mixed-load check (mixed-load.test.ts): answers recorded per actor and transport,
 * waves of requests paced by the burst window, the judges of a rate-limited answer over REST and MCP, and
 * the memory of a server process read through test/reliability/memory-probe.mjs.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { expect, vi } from 'vitest';
import { type ApiOptions, type ApiResponse, api } from '../helpers/api.ts';
import type { ServerProcess } from '../helpers/spawn-server.ts';

/** One answer of the load: what was asked, how, and whether the rate limiter refused it. */
export interface Answer {
  actor: string;
  /** `GET /campaigns`, `mcp campaigns_update`, … */
  call: string;
  transport: 'rest' | 'mcp';
  response: ApiResponse;
  /** 429 over REST; an isError result with RATE_001 over MCP. */
  limited: boolean;
}

export async function rest(
  actor: string,
  url: string,
  method: string,
  path: string,
  options: ApiOptions,
): Promise<Answer> {
  const response = await api(url, method, path, options);
  const call = `${method} ${path.replace(/\/[0-9a-f-]{36}/g, '/:id').replace(/\?.*$/, '')}`;
  return { actor, call, transport: 'rest', response, limited: response.status === 429 };
}

let rpcId = 0;

/** One JSON-RPC tools/call over plain HTTP, as a streamable-HTTP MCP client posts it. */
export async function mcpCall(
  actor: string,
  url: string,
  key: string,
  tool: string,
  args: Record<string, unknown>,
): Promise<Answer> {
  rpcId += 1;
  const response = await api(url, 'POST', '/mcp', {
    key,
    headers: { accept: 'application/json, text/event-stream' },
    body: { jsonrpc: '2.0', id: rpcId, method: 'tools/call', params: { name: tool, arguments: args } },
  });
  const result = response.body?.result;
  const limited = result?.isError === true && result?.structuredContent?.code === 'RATE_001';
  return { actor, call: `mcp ${tool}`, transport: 'mcp', response, limited };
}

/** How far the next wave's first request must wait past the last answer of the previous wave. */
const BURST_GAP_MS = 1_050;

/**
 * Runs `waves` one after another, each wave's requests at once. The burst window (20 a second) that any
 * request of a wave opened starts no earlier than that wave's first send and ends at most a second after
 * its last answer; the next wave starts past that, so a wave of at most 20 is never refused for bursting,
 * whatever the machine's speed.
 */
export async function inWaves(waves: (() => Promise<Answer[]>)[]): Promise<Answer[]> {
  const answers: Answer[] = [];
  let lastAnswerMs = 0;
  for (const wave of waves) {
    const wait = lastAnswerMs + BURST_GAP_MS - Date.now();
    if (wait > 0) await sleep(wait);
    answers.push(...(await wave()));
    lastAnswerMs = Date.now();
  }
  return answers;
}

/** `count` requests made by `call(i)`, all at once. */
export function wave(count: number, call: (i: number) => Promise<Answer>): () => Promise<Answer[]> {
  return () => Promise.all(Array.from({ length: count }, (_, i) => call(i)));
}

/** A documented per-key limit (iris API v1 reference, "rate limits"). */
export interface Limit {
  limit: number;
  windowMs: number;
}

/** The reference's table, written out here rather than taken from the server's own constants. */
export const DOCUMENTED = {
  global: { limit: 120, windowMs: 60_000 },
  burst: { limit: 20, windowMs: 1_000 },
  campaignMutations: { limit: 30, windowMs: 60_000 },
  contactMutations: { limit: 60, windowMs: 60_000 },
  aiGeneration: { limit: 20, windowMs: 60_000 },
  discovery: { limit: 5, windowMs: 3_600_000 },
} as const satisfies Record<string, Limit>;

/**
 * A 429 as the reference documents it: RATE_001 in the envelope with the request's id, Retry-After in
 * whole seconds (at least 1, within the window) equal to `retryAfter`, `limit` the documented one,
 * `remaining` 0, and the same three in X-RateLimit-Limit/-Remaining/-Reset (a ms timestamp).
 */
export function expectRateLimited(answer: Answer, { limit, windowMs }: Limit): void {
  const windowSeconds = windowMs / 1_000;
  const label = `${answer.actor} ${answer.call}: ${answer.response.text}`;
  if (answer.transport === 'mcp') {
    expect(answer.response.status, label).toBe(200);
    const content = answer.response.body.result.structuredContent;
    expect(content, label).toEqual({
      code: 'RATE_001',
      message: `too many requests. please try again in ${content.retryAfter} seconds.`,
      requestId: expect.stringMatching(/^req_[0-9a-f]{24}$/),
      retryAfter: expect.any(Number),
      limit,
      remaining: 0,
    });
    expect(content.retryAfter, label).toBeGreaterThanOrEqual(1);
    expect(content.retryAfter, label).toBeLessThanOrEqual(windowSeconds);
    return;
  }
  const { response } = answer;
  expect(response.status, label).toBe(429);
  const requestId = response.headers.get('x-request-id');
  expect(requestId, label).toMatch(/^req_[0-9a-f]{24}$/);
  expect(response.headers.get('retry-after'), label).toMatch(/^[1-9]\d*$/);
  const retryAfter = Number(response.headers.get('retry-after'));
  expect(retryAfter, label).toBeLessThanOrEqual(windowSeconds);
  expect(response.body, label).toEqual({
    success: false,
    error: {
      code: 'RATE_001',
      message: `too many requests. please try again in ${retryAfter} seconds.`,
      requestId,
    },
    retryAfter,
    limit,
    remaining: 0,
  });
  expect(response.headers.get('x-ratelimit-limit'), label).toBe(String(limit));
  expect(response.headers.get('x-ratelimit-remaining'), label).toBe('0');
  expect(response.headers.get('x-ratelimit-reset'), label).toMatch(/^\d{13}$/);
}

/** An authenticated REST answer that passed still says where its caller stands (DECISIONS.md). */
export function expectLimitHeaders(answer: Answer): void {
  const { headers } = answer.response;
  const label = `${answer.actor} ${answer.call}`;
  expect(headers.get('x-ratelimit-limit'), label).toMatch(/^(5|20|30|60|120)$/);
  expect(headers.get('x-ratelimit-remaining'), label).toMatch(/^\d+$/);
  expect(headers.get('x-ratelimit-reset'), label).toMatch(/^\d{13}$/);
}

/** What failed on the server side: a 5xx, or over MCP a JSON-RPC error (-32603 and the like). */
export function serverFailures(answers: Answer[]): string[] {
  return answers
    .filter(
      (a) => a.response.status >= 500 || (a.transport === 'mcp' && a.response.body?.error !== undefined),
    )
    .map((a) => `${a.actor} ${a.call}: ${a.response.status} ${a.response.text.slice(0, 300)}`);
}

export interface MemorySample {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** NODE_OPTIONS for a server whose memory `sampleMemory` reads. */
export const MEMORY_PROBE_OPTIONS = `--expose-gc --import=${fileURLToPath(new URL('./memory-probe.mjs', import.meta.url))}`;

/** The server's memory after two full collections (SIGUSR2 to memory-probe.mjs). */
export async function sampleMemory(server: ServerProcess): Promise<MemorySample> {
  const samples = () => [...server.stderr().matchAll(/^iris-memory (\{.*\})$/gm)];
  const before = samples().length;
  server.child.kill('SIGUSR2');
  return vi.waitFor(
    () => {
      const line = samples()[before];
      if (!line) throw new Error('no memory sample yet');
      return JSON.parse(line[1] as string) as MemorySample;
    },
    { timeout: 10_000, interval: 20 },
  );
}
