/**
 * What an agent reaches without a key: the key set receipts and quotes are signed with
 * (`GET /.well-known/jwks.json`), the payable resources with their x402 `accepts`
 * (`GET /.well-known/x402`), and free quotes (`POST /campaigns/quote`) where agents can pay, each
 * counted against the caller's address in a bucket of its own. A quote asked with a key goes through the
 * registry's route like every operation.
 */
import type { Express, NextFunction, Request, Response } from 'express';
import { jwksOf } from '../domain/receipts/signing-keys.ts';
import { campaignsQuote } from '../operations/campaigns/quote.ts';
import { isPayable } from '../operations/define-operation.ts';
import { operations } from '../operations/registry.ts';
import { errorResponse } from '../pipeline/execute-operation.ts';
import { enforceRateLimit, withRateLimitHeaders } from '../pipeline/rate-limit/limits.ts';
import { runHandler } from '../pipeline/run-handler.ts';
import { validateInput } from '../pipeline/validate-input.ts';
import type { Services } from '../services.ts';
import { decodeBase64Json } from '../wire/base64-json.ts';
import { readJsonBody } from './middleware/json-body.ts';
import { requestIdOf } from './middleware/request-id.ts';
import { send } from './send.ts';

/** The rate-limit bucket of keyless quotes from one address. */
const quoteBucket = (ip: string) => `quote:${ip}`;

async function keylessQuote(services: Services, req: Request, res: Response): Promise<void> {
  const requestId = requestIdOf(res);
  const ip = req.ip ?? req.socket.remoteAddress ?? 'unknown';
  res.locals.route = campaignsQuote.id;
  res.locals.principal = quoteBucket(ip);
  const now = services.clock();
  let state: Awaited<ReturnType<typeof enforceRateLimit>> | undefined;
  try {
    state = await enforceRateLimit(services.rateLimits, quoteBucket(ip), undefined, now.getTime());
    const body = await readJsonBody(req, services.env.IRIS_BODY_LIMIT_BYTES);
    const input = validateInput(campaignsQuote, { params: {}, query: req.query, body });
    const run = await runHandler(services, campaignsQuote, input, {
      principal: { kind: 'anonymous' },
      requestId,
      services,
      now,
    });
    send(res, withRateLimitHeaders(run.response, state));
  } catch (error) {
    send(res, withRateLimitHeaders(errorResponse(services, error, requestId, campaignsQuote.id), state));
  }
}

/**
 * The payable resources and what each accepts, from the very 402 challenges the operations answer
 * with: `accepts` is the x402 PaymentRequired's, unchanged.
 */
async function x402Discovery(services: Services): Promise<Record<string, unknown>> {
  const resources: Record<string, unknown>[] = [];
  for (const operation of operations.filter(isPayable)) {
    const challenge = await services.payments?.paymentRequired(operation);
    const required = decodeBase64Json(challenge?.headers['PAYMENT-REQUIRED']);
    if (!required) continue;
    resources.push({
      resource: (required.resource as { url?: unknown } | undefined)?.url,
      type: 'http',
      method: operation.method,
      path: operation.path,
      operation: operation.id,
      description: operation.summary,
      x402Version: required.x402Version,
      accepts: required.accepts,
    });
  }
  return { x402Version: 2, resources };
}

export function mountWellKnown(app: Express, services: Services): void {
  app.get('/.well-known/x402', (_req: Request, res: Response, next: NextFunction) => {
    x402Discovery(services)
      .then((body) => send(res, { status: 200, headers: { 'Cache-Control': 'no-store' }, body }))
      .catch(next);
  });
  app.get('/.well-known/jwks.json', (_req: Request, res: Response, next: NextFunction) => {
    jwksOf(services.env)
      .then((jwks) =>
        send(res, {
          status: 200,
          headers: { 'Cache-Control': 'public, max-age=300' },
          body: jwks,
        }),
      )
      .catch(next);
  });
  // Keyless quotes exist where keyless payments do; with a key, the registry's route answers.
  app.post(campaignsQuote.path, (req: Request, res: Response, next: NextFunction) => {
    const authorization = req.headers.authorization;
    if (services.payments === undefined || (authorization !== undefined && authorization.trim() !== '')) {
      next();
      return;
    }
    keylessQuote(services, req, res).catch(next);
  });
}
