/**
 * One webhook POST: to the address resolve-target.ts checked (the socket's lookup answers that address
 * and nothing else, so a second resolution cannot move the request), with a deadline covering the whole
 * exchange, redirects never followed (a 3xx is an answer like any other), and only the start of the
 * answer kept. Network failures are values, not throws; only an abort by the caller throws.
 */

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { WebhookTarget } from './resolve-target.ts';

/** The part of the receiver's answer kept in the delivery log. */
export const MAX_RESPONSE_BYTES = 1024;

export interface PostOptions {
  target: WebhookTarget;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Aborts the request; the returned promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

export type PostResult =
  | { kind: 'answered'; status: number; body: string; latencyMs: number }
  | { kind: 'failed'; error: string; latencyMs: number };

/**
 * Kept-alive connections, one pool per checked address, port and host name: deliveries to one receiver
 * reuse their connections, and a pooled connection only ever leads to the address it was opened to.
 */
const agents = new Map<string, HttpAgent>();
const MAX_POOLS = 256;

function agentFor(target: WebhookTarget, secure: boolean): HttpAgent {
  const key = `${target.url.protocol}//${target.hostname}:${target.url.port}@${target.address.address}`;
  let agent = agents.get(key);
  if (!agent) {
    if (agents.size >= MAX_POOLS) {
      for (const [oldest, pooled] of agents) {
        pooled.destroy();
        agents.delete(oldest);
        break;
      }
    }
    const options = { keepAlive: true, maxSockets: 16, maxFreeSockets: 4, timeout: 60_000 };
    agent = secure ? new HttpsAgent(options) : new HttpAgent(options);
    agents.set(key, agent);
  }
  return agent;
}

function pinnedLookup(target: WebhookTarget): LookupFunction {
  const { address, family } = target.address;
  return (_hostname, options, callback) => {
    if (options.all) {
      (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    } else {
      callback(null, address, family);
    }
  };
}

export function postWebhook(options: PostOptions): Promise<PostResult> {
  const { target } = options;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const secure = target.url.protocol === 'https:';
  const request = secure ? httpsRequest : httpRequest;
  return new Promise<PostResult>((resolve, reject) => {
    let settled = false;
    const finish = (result: PostResult | { abort: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
      if ('abort' in result) reject(result.abort);
      else resolve(result);
    };
    const req = request({
      protocol: target.url.protocol,
      host: target.hostname,
      port: target.url.port || (secure ? 443 : 80),
      path: `${target.url.pathname}${target.url.search}`,
      method: 'POST',
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
      lookup: pinnedLookup(target),
      ...(secure ? { servername: target.hostname } : {}),
      agent: agentFor(target, secure),
    });
    const deadline = setTimeout(() => {
      finish({ kind: 'failed', error: `timed out after ${options.timeoutMs} ms`, latencyMs: elapsed() });
      req.destroy();
    }, options.timeoutMs);
    const onAbort = () => {
      finish({ abort: options.signal?.reason ?? new Error('aborted') });
      req.destroy();
    };
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error) =>
      finish({ kind: 'failed', error: error.message || error.name, latencyMs: elapsed() }),
    );
    req.on('response', (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept >= MAX_RESPONSE_BYTES) return;
        chunks.push(chunk.subarray(0, MAX_RESPONSE_BYTES - kept));
        kept += Math.min(chunk.length, MAX_RESPONSE_BYTES - kept);
      });
      response.on('error', (error) =>
        finish({ kind: 'failed', error: error.message || error.name, latencyMs: elapsed() }),
      );
      response.on('end', () => {
        finish({
          kind: 'answered',
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          latencyMs: elapsed(),
        });
      });
    });
    req.end(options.body);
  });
}
