/**
 * A JSON-RPC proxy on 127.0.0.1 in front of a chain node (anvil), switchable per method: pass the call
 * through, or fail it in one of the ways a real RPC provider fails — an HTTP 500, a JSON-RPC error, no
 * answer at all — either before the node sees the call or after (the node acted, the answer is lost).
 * A fault may hit every call of a method or only every n-th call of any method. Hung calls are held
 * until the caller gives up (its timeout closes the socket) or the proxy closes; the test can wait for
 * one to be held, so nothing depends on timing.
 */
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type RpcFault =
  | 'pass'
  /** HTTP 500, the node never sees the call. */
  | 'http500'
  /** A JSON-RPC internal error (-32603), the node never sees the call. */
  | 'rpcError'
  /** No answer, the node never sees the call. */
  | 'hang'
  /** The node acts on the call, then the caller gets HTTP 500. */
  | 'forwardThen500'
  /** The node acts on the call, then the caller gets a JSON-RPC internal error. */
  | 'forwardThenRpcError'
  /** The node acts on the call, the answer never comes. */
  | 'forwardThenHang';

export interface RpcCall {
  method: string;
  fault: RpcFault;
}

export interface RpcProxy {
  url: string;
  /** Every call seen, with what was done to it. */
  calls: RpcCall[];
  /** How calls of `method` are answered from now on ('*': every method without a rule of its own). */
  set(method: string, fault: RpcFault): void;
  /**
   * Every n-th call (of any method) gets `fault`, the others pass (0 turns it off); `shift` moves which
   * calls those are (the first to fail is call n - shift).
   */
  failEvery(n: number, fault: RpcFault, shift?: number): void;
  /** Everything passes again. Calls already held stay held until their caller gives up. */
  heal(): void;
  /** Resolves once the next call of `method` (after this one is asked) is held unanswered. */
  nextHeld(method: string): Promise<void>;
  /** Calls of `method` held right now (their callers have not given up yet). */
  hanging(method: string): number;
  close(): Promise<void>;
}

interface JsonRpcRequest {
  id?: unknown;
  method?: unknown;
}

export async function startRpcProxy(target: string): Promise<RpcProxy> {
  const upstream = new URL(target);
  const rules = new Map<string, RpcFault>();
  const calls: RpcCall[] = [];
  let every = { n: 0, fault: 'pass' as RpcFault, count: 0 };
  const hung = new Map<ServerResponse, string>();
  const heldSoFar = new Map<string, number>();
  const waiters: { method: string; count: number; resolve: () => void }[] = [];
  const wake = () => {
    for (const waiter of [...waiters]) {
      if ((heldSoFar.get(waiter.method) ?? 0) < waiter.count) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };

  const forward = (body: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const call = request(
        upstream,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 502, text }));
          response.on('error', reject);
        },
      );
      call.on('error', reject);
      call.end(body);
    });

  const faultOf = (method: string): RpcFault => {
    if (every.n > 0) {
      every.count += 1;
      return every.count % every.n === 0 ? every.fault : 'pass';
    }
    return rules.get(method) ?? rules.get('*') ?? 'pass';
  };

  const hang = (method: string, res: ServerResponse) => {
    hung.set(res, method);
    res.on('close', () => hung.delete(res));
    heldSoFar.set(method, (heldSoFar.get(method) ?? 0) + 1);
    wake();
  };

  const rpcError = (id: unknown) =>
    JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32603, message: 'internal error (injected)' } });

  const answer = (res: ServerResponse, status: number, text: string) => {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(text);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      let parsed: JsonRpcRequest | JsonRpcRequest[];
      try {
        parsed = JSON.parse(body) as JsonRpcRequest | JsonRpcRequest[];
      } catch {
        answer(res, 400, '{}');
        return;
      }
      // Batches (which iris does not send) pass through untouched.
      const method = Array.isArray(parsed) ? 'batch' : String(parsed.method);
      const id = Array.isArray(parsed) ? null : parsed.id;
      const fault = Array.isArray(parsed) ? 'pass' : faultOf(method);
      calls.push({ method, fault });
      if (fault === 'http500') return answer(res, 500, '{"error":"injected"}');
      if (fault === 'rpcError') return answer(res, 200, rpcError(id));
      if (fault === 'hang') return hang(method, res);
      forward(body).then(
        (upstreamAnswer) => {
          if (fault === 'forwardThen500') answer(res, 500, '{"error":"injected"}');
          else if (fault === 'forwardThenRpcError') answer(res, 200, rpcError(id));
          else if (fault === 'forwardThenHang') hang(method, res);
          else answer(res, upstreamAnswer.status, upstreamAnswer.text);
        },
        () => answer(res, 502, '{"error":"node unreachable"}'),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    set(method, fault) {
      rules.set(method, fault);
    },
    failEvery(n, fault, shift = 0) {
      every = { n, fault, count: shift };
    },
    heal() {
      rules.clear();
      every = { n: 0, fault: 'pass', count: 0 };
    },
    nextHeld(method) {
      const count = (heldSoFar.get(method) ?? 0) + 1;
      return new Promise<void>((resolve) => waiters.push({ method, count, resolve }));
    },
    hanging: (method) => [...hung.values()].filter((m) => m === method).length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hung.keys()) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
