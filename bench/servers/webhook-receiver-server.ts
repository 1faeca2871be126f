/**
 * Bench child: a webhook receiver on 127.0.0.1 (node:http) that answers 200 to every POST, after checking
 * the `X-Iris-Signature` as the reference's sample receiver does (hex HMAC-SHA256 of `${timestamp}.${body}`,
 * constant-time compare) once `POST /secret` has given it the endpoint's secret; a bad signature is a 401.
 * For each delivery it keeps the time from the envelope's `timestamp` (the event's occurred_at) to its
 * arrival. `GET /stats` answers `{count, rejected, lastAt, latenciesMs}`; `POST /reset` clears all but
 * `rejected`.
 * Prints one JSON line `{url}`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { failStartup, stopOnSignal } from '../lib/protocol.ts';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function signedBy(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

async function main(): Promise<void> {
  let secret = '';
  let count = 0;
  let rejected = 0;
  let lastAt = 0;
  let latenciesMs: number[] = [];
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        const arrived = Date.now();
        if (req.method === 'GET' && req.url === '/stats') {
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify({ count, rejected, lastAt, latenciesMs }));
          return;
        }
        if (req.url === '/secret') {
          secret = body;
          res.end();
          return;
        }
        if (req.url === '/reset') {
          count = 0;
          lastAt = 0;
          latenciesMs = [];
          res.end();
          return;
        }
        const timestamp = String(req.headers['x-iris-timestamp'] ?? '');
        const signature = String(req.headers['x-iris-signature'] ?? '');
        if (!signedBy(secret, timestamp, body, signature)) {
          rejected += 1;
          res.statusCode = 401;
          res.end();
          return;
        }
        const envelope = JSON.parse(body) as { timestamp: string };
        count += 1;
        lastAt = arrived;
        latenciesMs.push(arrived - Date.parse(envelope.timestamp));
        res.end('ok');
      },
      () => {
        res.statusCode = 400;
        res.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
  stopOnSignal(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
}

main().catch((error: unknown) => failStartup('webhook-receiver-server', error));
