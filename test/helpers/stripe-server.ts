/**
 * A local HTTP server that answers the Stripe API endpoints iris and mppx call — PaymentIntents
 * (create with confirm, retrieve, list) and Refunds — the way Stripe does: form-encoded bodies,
 * idempotency keys replayed with `Idempotent-Replayed: true` (or refused when the parameters differ, and
 * 409 while a request with the same key is still being worked on), card declines for tokens containing
 * "decline". Records every request for assertions. Outages can be injected: 500s, and endpoints that
 * stall until the test releases them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StripeRequest {
  method: string;
  path: string;
  idempotencyKey?: string;
  params: Record<string, string>;
}

/** The endpoints that create something (and may fail or stall). */
export type StripeEndpoint = 'paymentIntents' | 'refunds';

/**
 * How a stalled endpoint holds its requests: 'after' does the work at once (the PaymentIntent or refund
 * exists, a replay of its key gets it) and only the answer waits; 'before' does the work only when
 * released, as for a request Stripe is slow to process (a request with its key meanwhile gets 409).
 */
export type StallMode = 'before' | 'after';

export interface StripeServer {
  url: string;
  requests: StripeRequest[];
  paymentIntents: Map<string, Record<string, unknown>>;
  refunds: Map<string, Record<string, unknown>>;
  /**
   * Failures to inject, counted down: `paymentIntents` fails before creating anything (an outage);
   * `afterCreate` creates the PaymentIntent and then answers 500 (the answer is lost), and replays of
   * its idempotency key get the same 500, as Stripe keeps the result of a request that started;
   * `refunds` fails a refund before making it.
   */
  failNext: { paymentIntents: number; afterCreate: number; refunds: number };
  /**
   * Endpoints that stall: their requests get no answer until `release()`, whatever the client's timeout
   * (a client that gave up meanwhile gets none; the work is done all the same, as Stripe would).
   */
  stall: Partial<Record<StripeEndpoint, StallMode>>;
  /** Resolves once the next request (after this call) is held by a stall. */
  nextHeld(): Promise<void>;
  /** Ends every stall: held requests are worked on (mode 'before') and answered. */
  release(): void;
  /** Ends every stall, dropping what it held in mode 'before' unworked (Stripe never got it). */
  drop(): void;
  close(): Promise<void>;
}

function id(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

/** Stripe's bracket notation (`metadata[a]=b`) flattened into a record of strings. */
function parseForm(body: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(body)) params[key] = value;
  return params;
}

function nested(params: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(params)) {
    const match = new RegExp(`^${prefix}\\[([^\\]]+)\\]$`).exec(key);
    if (match?.[1]) out[match[1]] = value;
  }
  return out;
}

export async function startStripeServer(): Promise<StripeServer> {
  const requests: StripeRequest[] = [];
  const paymentIntents = new Map<string, Record<string, unknown>>();
  const refunds = new Map<string, Record<string, unknown>>();
  const idempotent = new Map<string, { fingerprint: string; status: number; body: unknown }>();
  const failNext = { paymentIntents: 0, afterCreate: 0, refunds: 0 };
  const stall: Partial<Record<StripeEndpoint, StallMode>> = {};
  /** Idempotency keys whose request is being worked on (held by a stall). */
  const inFlight = new Set<string>();
  /** Held requests: what finishes each one once released (`work`: false drops one not worked on yet). */
  const holding: ((work: boolean) => void)[] = [];
  let heldSoFar = 0;
  const heldWaiters: { count: number; resolve: () => void }[] = [];

  const send = (res: ServerResponse, status: number, body: unknown, replayed = false) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.setHeader('request-id', id('req'));
    if (replayed) res.setHeader('idempotent-replayed', 'true');
    res.end(JSON.stringify(body));
  };
  const error = (status: number, type: string, message: string, extra: Record<string, unknown> = {}) => ({
    status,
    body: { error: { type, message, ...extra } },
  });

  const createPaymentIntent = (params: Record<string, string>) => {
    if (failNext.paymentIntents > 0) {
      failNext.paymentIntents -= 1;
      return error(500, 'api_error', 'Stripe is having a moment');
    }
    const amount = Number(params.amount);
    if (!Number.isInteger(amount) || amount <= 0)
      return error(400, 'invalid_request_error', 'Invalid amount');
    const token = params.shared_payment_granted_token ?? params.payment_method ?? '';
    if (!token) return error(400, 'invalid_request_error', 'Missing payment method');
    const intent: Record<string, unknown> = {
      id: id('pi'),
      object: 'payment_intent',
      amount,
      amount_received: amount,
      currency: params.currency ?? 'usd',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      metadata: nested(params, 'metadata'),
      // The card behind a token: stable per token family (`spt_<card>_<n>`), as Stripe's would be.
      payment_method: `pm_${createHash('sha256').update(token.split('_').slice(0, 2).join('_')).digest('hex').slice(0, 24)}`,
      status: 'succeeded',
    };
    if (token.includes('decline')) {
      intent.status = 'requires_payment_method';
      paymentIntents.set(intent.id as string, intent);
      return error(402, 'card_error', 'Your card was declined.', {
        code: 'card_declined',
        decline_code: 'generic_decline',
        payment_intent: intent,
      });
    }
    paymentIntents.set(intent.id as string, intent);
    if (failNext.afterCreate > 0) {
      failNext.afterCreate -= 1;
      return { ...error(500, 'api_error', 'Stripe lost the answer'), keep: true };
    }
    return { status: 200, body: intent };
  };

  const createRefund = (params: Record<string, string>) => {
    if (failNext.refunds > 0) {
      failNext.refunds -= 1;
      return error(500, 'api_error', 'Stripe is having a moment');
    }
    const intent = paymentIntents.get(params.payment_intent ?? '');
    if (intent?.status !== 'succeeded') return error(400, 'invalid_request_error', 'No such payment_intent');
    const refunded = [...refunds.values()]
      .filter((r) => r.payment_intent === intent.id)
      .reduce((sum, r) => sum + Number(r.amount), 0);
    const amount = params.amount ? Number(params.amount) : Number(intent.amount) - refunded;
    if (amount <= 0 || refunded + amount > Number(intent.amount)) {
      return error(400, 'invalid_request_error', 'Refund exceeds the charge', {
        code: 'charge_already_refunded',
      });
    }
    const refund = {
      id: id('re'),
      object: 'refund',
      amount,
      currency: intent.currency,
      payment_intent: intent.id,
      metadata: nested(params, 'metadata'),
      status: 'succeeded',
      created: Math.floor(Date.now() / 1000),
    };
    refunds.set(refund.id, refund);
    return { status: 200, body: refund };
  };

  const route = (method: string, path: string, params: Record<string, string>) => {
    if (method === 'POST' && path === '/v1/payment_intents') return createPaymentIntent(params);
    if (method === 'POST' && path === '/v1/refunds') return createRefund(params);
    const intentMatch = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (method === 'GET' && intentMatch) {
      const intent = paymentIntents.get(intentMatch[1] as string);
      return intent
        ? { status: 200, body: intent }
        : error(404, 'invalid_request_error', 'No such payment_intent');
    }
    if (method === 'GET' && path === '/v1/payment_intents') {
      const since = Number(params['created[gte]'] ?? 0);
      const data = [...paymentIntents.values()].filter((pi) => Number(pi.created) >= since).reverse();
      const limit = Number(params.limit ?? 10);
      return {
        status: 200,
        body: { object: 'list', data: data.slice(0, limit), has_more: data.length > limit, url: path },
      };
    }
    return error(404, 'invalid_request_error', `Unrecognized request URL (${method}: ${path})`);
  };

  const endpointOf = (method: string, path: string): StripeEndpoint | undefined => {
    if (method !== 'POST') return undefined;
    if (path === '/v1/payment_intents') return 'paymentIntents';
    if (path === '/v1/refunds') return 'refunds';
    return undefined;
  };

  type Result = { status: number; body: unknown; keep?: boolean };
  /** Runs a request whose key (if any) is new, remembering the result for replays of the key. */
  const execute = (method: string, path: string, params: Record<string, string>, key?: string): Result => {
    const result: Result = route(method, path, params);
    if (key && method === 'POST' && (result.status < 500 || result.keep)) {
      idempotent.set(key, {
        fingerprint: `${path} ${JSON.stringify(params)}`,
        status: result.status,
        body: result.body,
      });
    }
    return result;
  };

  /** Holds a request of a stalled endpoint until `release()`. */
  const hold = (res: ServerResponse, mode: StallMode, run: () => Result, key: string | undefined) => {
    let done: Result | undefined = mode === 'after' ? run() : undefined;
    if (key && mode === 'before') inFlight.add(key);
    holding.push((work) => {
      if (key) inFlight.delete(key);
      if (!done && !work) {
        res.destroy();
        return;
      }
      done ??= run();
      if (!res.destroyed) send(res, done.status, done.body);
    });
    heldSoFar += 1;
    for (const waiter of [...heldWaiters]) {
      if (heldSoFar < waiter.count) continue;
      heldWaiters.splice(heldWaiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stripe.local');
      const params = req.method === 'GET' ? parseForm(url.search.slice(1)) : parseForm(body);
      const key = req.headers['idempotency-key'] as string | undefined;
      requests.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        params,
        ...(key ? { idempotencyKey: key } : {}),
      });
      if (
        !req.headers.authorization?.startsWith('Bearer sk_') &&
        !req.headers.authorization?.startsWith('Basic ')
      ) {
        send(res, 401, { error: { type: 'invalid_request_error', message: 'No API key provided' } });
        return;
      }
      const method = req.method ?? 'GET';
      if (key && method === 'POST') {
        const fingerprint = `${url.pathname} ${JSON.stringify(params)}`;
        const seen = idempotent.get(key);
        if (seen) {
          if (seen.fingerprint !== fingerprint) {
            send(res, 400, {
              error: {
                type: 'idempotency_error',
                message:
                  'Keys for idempotent requests can only be used with the same parameters they were first used with.',
              },
            });
            return;
          }
          send(res, seen.status, seen.body, true);
          return;
        }
        if (inFlight.has(key)) {
          send(res, 409, {
            error: {
              type: 'invalid_request_error',
              code: 'idempotency_key_in_use',
              message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
            },
          });
          return;
        }
      }
      const endpoint = endpointOf(method, url.pathname);
      const mode = endpoint ? stall[endpoint] : undefined;
      if (mode) {
        hold(res, mode, () => execute(method, url.pathname, params, key), key);
        return;
      }
      const result = execute(method, url.pathname, params, key);
      send(res, result.status, result.body);
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    paymentIntents,
    refunds,
    failNext,
    stall,
    nextHeld: () => new Promise<void>((resolve) => heldWaiters.push({ count: heldSoFar + 1, resolve })),
    release() {
      for (const endpoint of Object.keys(stall) as StripeEndpoint[]) delete stall[endpoint];
      for (const finish of holding.splice(0)) finish(true);
    },
    drop() {
      for (const endpoint of Object.keys(stall) as StripeEndpoint[]) delete stall[endpoint];
      for (const finish of holding.splice(0)) finish(false);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const finish of holding.splice(0)) finish(false);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
