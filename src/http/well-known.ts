/**
 * What an agent reaches without a key besides the registry's operations: the key set receipts and
 * quotes are signed with (`GET /.well-known/jwks.json`) and the payable resources with their x402
 * `accepts` (`GET /.well-known/x402`). Free quotes are an operation (`campaigns.quote`, `keyless`): the
 * pipeline answers them on every transport.
 */
import type { Express, NextFunction, Request, Response } from 'express';
import { jwksOf } from '../domain/receipts/signing-keys.ts';
import { isPayable } from '../operations/define-operation.ts';
import { operations } from '../operations/registry.ts';
import type { Services } from '../services.ts';
import { decodeBase64Json } from '../wire/base64-json.ts';
import { send } from './send.ts';

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
}
