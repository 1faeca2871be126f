/**
 * The fetch iris's chain clients use, driven by viem's own http transport against local JSON-RPC
 * servers: answers, kept-alive connections, viem's timeout reaching the socket, HTTP errors, oversized
 * and cut-off bodies. Every failure must reach viem as a transport error (isTransportError), which is
 * what turns an unreachable chain into 503 instead of a refused payment.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPublicClient, http } from 'viem';
import { afterEach, describe, expect, it } from 'vitest';
import { createRpcFetch } from '../../payments/x402/rpc-fetch.ts';
import { isTransportError } from '../../payments/x402/settler.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

interface Seen {
  sockets: Set<unknown>;
  requests: { method: string | undefined; contentType: string | undefined; body: unknown }[];
  closed: number;
}

async function rpcServer(answer: (body: { id: number; method: string }, res: ServerResponse) => void) {
  const seen: Seen = { sockets: new Set(), requests: [], closed: 0 };
  const server = createServer((req: IncomingMessage, res) => {
    seen.sockets.add(req.socket);
    req.socket.once('close', () => (seen.closed += 1));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      seen.requests.push({ method: req.method, contentType: req.headers['content-type'], body });
      answer(body, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function client(url: string, options: { timeout?: number; maxResponseBytes?: number } = {}) {
  return createPublicClient({
    transport: http(url, {
      retryCount: 0,
      timeout: options.timeout ?? 5_000,
      fetchFn: createRpcFetch({ maxResponseBytes: options.maxResponseBytes }),
    }),
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected the call to fail'),
    (error: unknown) => error,
  );
}

describe('rpc fetch under viem', () => {
  it('posts the JSON-RPC request and reads the answer, on one kept-alive connection', async () => {
    const { url, seen } = await rpcServer((body, res) =>
      json(res, 200, { jsonrpc: '2.0', id: body.id, result: '0x2a' }),
    );
    const chain = client(url);
    expect(await chain.getBlockNumber({ cacheTime: 0 })).toBe(42n);
    expect(await chain.getBlockNumber({ cacheTime: 0 })).toBe(42n);
    expect(seen.requests).toHaveLength(2);
    expect(seen.requests[0]).toMatchObject({
      method: 'POST',
      contentType: 'application/json',
      body: { jsonrpc: '2.0', method: 'eth_blockNumber' },
    });
    expect(seen.sockets.size).toBe(1);
  });

  it("viem's timeout aborts the request and closes its connection", async () => {
    const { url, seen } = await rpcServer(() => undefined); // never answers
    const error = await failure(client(url, { timeout: 150 }).getBlockNumber({ cacheTime: 0 }));
    expect(isTransportError(error)).toBe(true);
    await expect.poll(() => seen.closed).toBe(1);
  });

  it('an HTTP error status is a transport error', async () => {
    const { url } = await rpcServer((_body, res) => json(res, 503, { error: 'overloaded' }));
    const error = await failure(client(url).getBlockNumber({ cacheTime: 0 }));
    expect(isTransportError(error)).toBe(true);
    expect(String(error)).toContain('503');
  });

  it('refuses a body over the limit instead of buffering it', async () => {
    const { url } = await rpcServer((body, res) =>
      json(res, 200, { jsonrpc: '2.0', id: body.id, result: `0x${'0'.repeat(4096)}1` }),
    );
    const error = await failure(client(url, { maxResponseBytes: 1024 }).getBlockNumber({ cacheTime: 0 }));
    expect(isTransportError(error)).toBe(true);
    expect(String(error)).toContain('larger than 1024 bytes');
    expect(await client(url).getBlockNumber({ cacheTime: 0 })).toBe(1n);
  });

  it('a connection cut mid-body fails at once', async () => {
    const { url } = await rpcServer((_body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"jsonrpc":"2.0",');
      setTimeout(() => res.destroy(), 20);
    });
    const started = performance.now();
    const error = await failure(client(url, { timeout: 10_000 }).getBlockNumber({ cacheTime: 0 }));
    expect(isTransportError(error)).toBe(true);
    // Well before viem's 10 s timeout would have ended it.
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('nothing listening is a transport error', async () => {
    const error = await failure(client('http://127.0.0.1:9').getBlockNumber({ cacheTime: 0 }));
    expect(isTransportError(error)).toBe(true);
  });

  it('refuses other protocols, body streams and requests already aborted', async () => {
    const rpcFetch = createRpcFetch();
    await expect(rpcFetch('ftp://127.0.0.1/', { method: 'POST', body: '{}' })).rejects.toThrow(
      'unsupported protocol ftp:',
    );
    const { url, seen } = await rpcServer((_body, res) => res.end());
    await expect(rpcFetch(url, { method: 'POST', body: new Blob(['{}']) })).rejects.toThrow(
      'must be a string or bytes',
    );
    const aborted = new AbortController();
    aborted.abort(new Error('given up'));
    await expect(rpcFetch(url, { method: 'POST', body: '{}', signal: aborted.signal })).rejects.toThrow(
      'given up',
    );
    expect(seen.requests).toHaveLength(0);
  });

  it('answers statuses without a body with an empty response', async () => {
    const { url } = await rpcServer((_body, res) => {
      res.writeHead(204);
      res.end();
    });
    const response = await createRpcFetch()(url, { method: 'POST', body: '{}' });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
  });
});
