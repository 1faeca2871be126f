/**
 * A local HTTP server on 127.0.0.1 standing in for a platform API (Instagram Graph API, X API v2): it
 * records every request (method, path with query, headers, JSON body) and answers from a route table
 * the test sets and changes.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface Answer {
  status: number;
  body?: unknown;
  /** Sent as is instead of JSON. */
  raw?: string;
}

/** Answers a request, or undefined for 404. */
export type Route = (request: RecordedRequest) => Answer | undefined;

export interface Upstream {
  url: string;
  requests: RecordedRequest[];
  route: Route;
  close(): Promise<void>;
}

export async function startUpstream(route: Route): Promise<Upstream> {
  const upstream: Upstream = {
    url: '',
    requests: [],
    route,
    close: async () => {},
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const parsed = new URL(req.url ?? '/', 'http://127.0.0.1');
      const request: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        path: parsed.pathname,
        query: parsed.searchParams,
        headers: req.headers,
        body: text === '' ? undefined : (JSON.parse(text) as unknown),
      };
      upstream.requests.push(request);
      const answer = upstream.route(request) ?? { status: 404, body: { error: 'no route' } };
      res.statusCode = answer.status;
      if (answer.raw !== undefined) {
        res.end(answer.raw);
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  upstream.url = `http://127.0.0.1:${port}`;
  upstream.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return upstream;
}
