/**
 * The `fetch` iris's chain clients send JSON-RPC with: node:http(s) over kept-alive connections, with
 * Nagle's algorithm off. A paid call makes five RPCs, and the global fetch (undici: web streams and abort
 * plumbing per call) costs markedly more CPU per call than a plain request on a kept-alive socket;
 * without noDelay, small requests wait for Nagle's timer. viem still does the rest: the JSON-RPC envelope, the timeout (through `signal`),
 * retries and the mapping of failures to its errors.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** viem's own cap on a JSON-RPC response body; a larger one is refused rather than buffered. */
export const MAX_RPC_RESPONSE_BYTES = 10_485_760;

export interface RpcFetchOptions {
  /** Largest response body accepted (default MAX_RPC_RESPONSE_BYTES). */
  maxResponseBytes?: number;
}

/** Statuses whose responses have no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function headersOf(message: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return headers;
}

/** viem sends a plain record; a Headers object or pairs are accepted too. */
function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  if (!headers) return {};
  const record: Record<string, string> = {};
  if (headers instanceof Headers || Array.isArray(headers)) {
    new Headers(headers).forEach((value, name) => {
      record[name] = value;
    });
    return record;
  }
  for (const [name, value] of Object.entries(headers)) {
    record[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return record;
}

function bodyOf(body: RequestInit['body']): string | Uint8Array | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof Uint8Array) return body;
  throw new TypeError('rpc fetch: the request body must be a string or bytes');
}

/** A fetch for JSON-RPC over http(s): one keep-alive agent per protocol, honouring `signal`. */
export function createRpcFetch(options: RpcFetchOptions = {}): typeof fetch {
  const maxResponseBytes = options.maxResponseBytes ?? MAX_RPC_RESPONSE_BYTES;
  const agents = {
    'http:': { agent: new HttpAgent({ keepAlive: true, noDelay: true }), send: httpRequest },
    'https:': { agent: new HttpsAgent({ keepAlive: true, noDelay: true }), send: httpsRequest },
  } as const;
  const rpcFetch = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : input);
      const transport =
        url.protocol === 'http:' || url.protocol === 'https:' ? agents[url.protocol] : undefined;
      if (!transport) {
        reject(new TypeError(`rpc fetch: unsupported protocol ${url.protocol}`));
        return;
      }
      const signal = init.signal ?? undefined;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const body = bodyOf(init.body);
      const headers = headerRecord(init.headers);
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      // The first outcome wins; whatever the connection reports after it is ignored.
      let settled = false;
      const request = transport.send(
        url,
        { method: init.method ?? 'GET', headers, agent: transport.agent },
        (response) => {
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            if (settled) return;
            size += chunk.length;
            if (size > maxResponseBytes) {
              fail(new Error(`rpc fetch: response larger than ${maxResponseBytes} bytes`));
              request.destroy();
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () => {
            if (settled) return;
            settled = true;
            signal?.removeEventListener('abort', onAbort);
            const status = response.statusCode ?? 502;
            resolve(
              new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), {
                status,
                statusText: response.statusMessage ?? '',
                headers: headersOf(response),
              }),
            );
          });
          // A connection cut mid-body ends here too (the response reports it as an error).
          response.on('error', fail);
        },
      );
      function fail(error: unknown): void {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      }
      function onAbort(): void {
        fail(signal?.reason);
        request.destroy();
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('error', fail);
      request.end(body);
    });
  return rpcFetch as typeof fetch;
}
