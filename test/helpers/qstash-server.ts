/**
 * A local QStash: the publish endpoint `@upstash/qstash`'s Client calls (`POST /v2/publish/<destination>`
 * with `Authorization: Bearer <token>` and the `Upstash-*` headers), deduplication by
 * `Upstash-Deduplication-Id`, delivery at `Upstash-Not-Before`, and the call back to the destination
 * signed as QStash signs it: `Upstash-Signature`, a JWT (HS256 with the current signing key) whose claims
 * are iss "Upstash", sub = the destination URL, iat/nbf/exp, a jti, and body = base64url(sha256(body)),
 * which is what the SDK's Receiver verifies. A failed delivery is retried (up to `Upstash-Retries`) unless
 * it answers `Upstash-NonRetryable-Error: true`; retries come after `retryDelayMs`, not the answer's
 * Retry-After, which is recorded.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface QstashDelivery {
  status: number;
  retryAfter: string | null;
  nonRetryable: boolean;
  body: string;
}

export interface QstashMessage {
  messageId: string;
  destination: string;
  /** Request headers of the publish, lower-case names. */
  headers: Record<string, string>;
  body: string;
  deliveries: QstashDelivery[];
  /** Later publishes with the same deduplication id, accepted and dropped. */
  deduplicated: number;
  state: 'waiting' | 'delivering' | 'delivered' | 'failed';
}

export interface QstashServer {
  url: string;
  token: string;
  currentSigningKey: string;
  nextSigningKey: string;
  messages: QstashMessage[];
  /** Where deliveries go: the destination's path on this base URL (iris listens elsewhere than its public URL). */
  target: string | undefined;
  close(): Promise<void>;
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url');

/** An `Upstash-Signature` value as QStash makes it; `claims` overrides or adds claims (forgeries, expiry). */
export function signUpstash(
  key: string,
  destination: string,
  body: string,
  claims: Record<string, unknown> = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({
      iss: 'Upstash',
      sub: destination,
      iat: now,
      nbf: now,
      exp: now + 300,
      jti: `jwt_${randomBytes(8).toString('hex')}`,
      body: createHash('sha256').update(body).digest('base64url'),
      ...claims,
    }),
  );
  const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startQstashServer(options: { retryDelayMs?: number } = {}): Promise<QstashServer> {
  const retryDelayMs = options.retryDelayMs ?? 50;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => Promise<void>) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      void run();
    }, ms);
    timers.add(timer);
  };

  const qstash: QstashServer = {
    url: '',
    token: `qstash_${randomBytes(12).toString('hex')}`,
    currentSigningKey: `sig_${randomBytes(12).toString('hex')}`,
    nextSigningKey: `sig_${randomBytes(12).toString('hex')}`,
    messages: [],
    target: undefined,
    close: async () => {},
  };

  async function deliver(message: QstashMessage): Promise<void> {
    message.state = 'delivering';
    const destination = new URL(message.destination);
    const to = qstash.target
      ? `${qstash.target}${destination.pathname}${destination.search}`
      : message.destination;
    let delivery: QstashDelivery;
    try {
      const response = await fetch(to, {
        method: message.headers['upstash-method'] ?? 'POST',
        headers: {
          'content-type': message.headers['content-type'] ?? 'application/json',
          'upstash-signature': signUpstash(qstash.currentSigningKey, message.destination, message.body),
          'upstash-message-id': message.messageId,
          'upstash-retried': String(message.deliveries.length),
        },
        body: message.body,
      });
      delivery = {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        nonRetryable: response.headers.get('upstash-nonretryable-error') === 'true',
        body: await response.text(),
      };
    } catch (error) {
      delivery = { status: 0, retryAfter: null, nonRetryable: false, body: String(error) };
    }
    message.deliveries.push(delivery);
    if (delivery.status >= 200 && delivery.status < 300) {
      message.state = 'delivered';
      return;
    }
    const retries = Number(message.headers['upstash-retries'] ?? '3');
    if (delivery.nonRetryable || message.deliveries.length > retries) {
      message.state = 'failed';
      return;
    }
    message.state = 'waiting';
    later(retryDelayMs, () => deliver(message));
  }

  const server = createServer((req, res) => {
    void (async () => {
      const body = await bodyOf(req);
      const prefix = '/v2/publish/';
      if (req.method !== 'POST' || !req.url?.startsWith(prefix)) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
        return;
      }
      if (req.headers.authorization !== `Bearer ${qstash.token}`) {
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
        return;
      }
      const destination = req.url.slice(prefix.length);
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers[name] = value;
      }
      const dedupe = headers['upstash-deduplication-id'];
      const existing = dedupe
        ? qstash.messages.find((m) => m.headers['upstash-deduplication-id'] === dedupe)
        : undefined;
      if (existing) {
        existing.deduplicated += 1;
        res
          .writeHead(202, { 'content-type': 'application/json' })
          .end(JSON.stringify({ messageId: existing.messageId, url: destination, deduplicated: true }));
        return;
      }
      const message: QstashMessage = {
        messageId: `msg_${randomBytes(12).toString('hex')}`,
        destination,
        headers,
        body,
        deliveries: [],
        deduplicated: 0,
        state: 'waiting',
      };
      qstash.messages.push(message);
      const notBefore = Number(headers['upstash-not-before'] ?? '0') * 1000;
      later(Math.max(0, notBefore - Date.now()), () => deliver(message));
      res
        .writeHead(201, { 'content-type': 'application/json' })
        .end(JSON.stringify({ messageId: message.messageId, url: destination }));
    })();
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  qstash.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  qstash.close = () =>
    new Promise<void>((resolve) => {
      for (const timer of timers) clearTimeout(timer);
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return qstash;
}
