/**
 * A local HTTP server speaking the part of the Apify API v2 the official client uses for a run: start an
 * actor (`POST /v2/actors/<user>~<name>/runs`; the older
 * `/v2/acts/` spelling too), wait for its run (`GET /v2/actor-runs/<id>?waitForFinish=`),
 * abort it (`POST /v2/actor-runs/<id>/abort`), and read its dataset (`GET /v2/datasets/<id>/items`).
 * Every request is recorded (method, path, query, headers, JSON body) so tests can assert its shape.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** What the server does when an actor is started. */
export type ActorBehaviour =
  | { kind: 'items'; items: Record<string, unknown>[]; status?: string }
  /** Answers every start of the actor with this status (429, 401, 500, ...). */
  | { kind: 'error'; status: number; type?: string; message?: string }
  /** The run stays RUNNING (a search that takes too long). */
  | { kind: 'running' };

export interface ApifyServer {
  url: string;
  requests: RecordedRequest[];
  /** Actor id (`user/name`) → behaviour; unknown actors answer 404. */
  actors: Map<string, ActorBehaviour>;
  close(): Promise<void>;
}

function decode(raw: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'gzip') return gunzipSync(raw);
  if (encoding === 'deflate') return inflateSync(raw);
  if (encoding === 'br') return brotliDecompressSync(raw);
  return raw;
}

export async function startApifyServer(): Promise<ApifyServer> {
  const requests: RecordedRequest[] = [];
  const actors = new Map<string, ActorBehaviour>();
  const runs = new Map<string, { actId: string; status: string; datasetId: string; items: unknown[] }>();
  let next = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const raw = decode(Buffer.concat(chunks), req.headers['content-encoding']);
      let body: unknown;
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        body = raw.toString('utf8');
      }
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      });
      const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(JSON.stringify(payload));
      };
      const runView = (id: string) => {
        const run = runs.get(id);
        return run && { id, actId: run.actId, status: run.status, defaultDatasetId: run.datasetId };
      };

      const start = /^\/v2\/(?:acts|actors)\/([^/]+)\/runs$/.exec(url.pathname);
      if (req.method === 'POST' && start) {
        const actorId = decodeURIComponent(start[1] as string).replace('~', '/');
        const behaviour = actors.get(actorId);
        if (!behaviour)
          return json(404, { error: { type: 'record-not-found', message: 'Actor was not found' } });
        if (behaviour.kind === 'error') {
          return json(behaviour.status, {
            error: {
              type: behaviour.type ?? 'error',
              message: behaviour.message ?? `status ${behaviour.status}`,
            },
          });
        }
        next += 1;
        const id = `run${next}`;
        runs.set(id, {
          actId: actorId,
          status: behaviour.kind === 'running' ? 'RUNNING' : (behaviour.status ?? 'SUCCEEDED'),
          datasetId: `dataset${next}`,
          items: behaviour.kind === 'items' ? behaviour.items : [],
        });
        return json(201, { data: runView(id) });
      }
      const run = /^\/v2\/actor-runs\/([^/]+)(\/abort)?$/.exec(url.pathname);
      if (run) {
        const id = run[1] as string;
        const known = runs.get(id);
        if (!known) return json(404, { error: { type: 'record-not-found', message: 'Run was not found' } });
        if (req.method === 'POST' && run[2]) known.status = 'ABORTED';
        // A run still going holds the wait a little, as the API does up to `waitForFinish` seconds.
        const waits = known.status === 'RUNNING' && Number(url.searchParams.get('waitForFinish') ?? 0) > 0;
        if (waits) {
          setTimeout(() => json(200, { data: runView(id) }), 100);
          return;
        }
        return json(200, { data: runView(id) });
      }
      const items = /^\/v2\/datasets\/([^/]+)\/items$/.exec(url.pathname);
      if (req.method === 'GET' && items) {
        const found = [...runs.values()].find((r) => r.datasetId === items[1]);
        if (!found)
          return json(404, { error: { type: 'record-not-found', message: 'Dataset was not found' } });
        const offset = Number(url.searchParams.get('offset') ?? 0);
        const limit = Number(url.searchParams.get('limit') ?? found.items.length);
        const page = found.items.slice(offset, offset + limit);
        return json(200, page, {
          'x-apify-pagination-total': String(found.items.length),
          'x-apify-pagination-offset': String(offset),
          'x-apify-pagination-count': String(page.length),
          'x-apify-pagination-limit': String(limit),
        });
      }
      return json(404, {
        error: { type: 'page-not-found', message: `no route ${req.method} ${url.pathname}` },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    actors,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
