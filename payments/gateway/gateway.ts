/**
 * The payment gateway: answers an unpaid call to a payable operation with one 402 challenge built from
 * every rail that supports it, and hands a call to the rail it belongs to. Challenges are kept assembled
 * per operation (one with an expiring part until shortly before it expires), so issuing one is a lookup.
 */

import { priceOfQuote, QUOTE_HEADER } from '../../src/domain/quotes/quote-token.ts';
import { ApiError } from '../../src/errors/api-error.ts';
import type { ErrorCode } from '../../src/errors/catalogue.ts';
import { isPayable, type Operation, type PayableOperation } from '../../src/operations/define-operation.ts';
import type { PaymentCall, PaymentGateway } from '../../src/services.ts';
import { NO_STORE } from './payment-errors.ts';
import type { PaymentRail } from './rail.ts';

/** Challenges kept assembled: every payable operation with each payment code, with room to spare. */
const MAX_CACHED = 256;

/** The gateway with its rails as what they are (tests and the rails' own code reach them). */
export interface Gateway extends PaymentGateway {
  readonly rails: readonly PaymentRail[];
}

interface CachedChallenge {
  error: ApiError;
  refreshAtMs: number;
}

/** Expiring parts are rebuilt this long before they expire. */
const REFRESH_MARGIN_MS = 60_000;

/**
 * The operation with the terms an `Iris-Quote` header fixes (PAYMENT_009 when the quote does not hold
 * for this call); `fixed` when they differ from the operation's current terms.
 */
async function quotedTerms(
  call: PaymentCall,
  operation: PayableOperation,
): Promise<{ operation: PayableOperation; fixed: boolean }> {
  const token = call.request.header(QUOTE_HEADER);
  if (token === undefined) return { operation, fixed: false };
  const quoted = await priceOfQuote(call.services.env, token.trim(), {
    operationId: operation.id,
    input: call.input,
    now: call.now,
    description: operation.payment.price.description,
  });
  const current = operation.payment;
  const fixed =
    quoted.price.x402Atomic !== current.price.x402Atomic ||
    quoted.price.mppCents !== current.price.mppCents ||
    (quoted.credits ?? undefined) !== current.credits;
  if (!fixed) return { operation, fixed };
  const payment = {
    ...current,
    price: quoted.price,
    ...(quoted.credits === null ? {} : { credits: quoted.credits }),
  };
  return { operation: { ...operation, payment }, fixed };
}

export function createPaymentGateway(
  rails: readonly PaymentRail[],
  operations: readonly Operation[],
): Gateway {
  const byId = new Map(operations.filter(isPayable).map((operation) => [operation.id, operation]));
  const operationOf = (id: string): PayableOperation => {
    const operation = byId.get(id);
    if (!operation) throw new Error(`no payable operation ${id} in the registry the gateway was built with`);
    return operation;
  };
  // The rails of each registered operation; an operation with quoted terms is another object, matched anew.
  const supportingRails = new Map(
    [...byId.values()].map((operation) => [operation, rails.filter((r) => r.supports(operation))]),
  );
  const railsFor = (operation: PayableOperation): readonly PaymentRail[] =>
    supportingRails.get(operation) ?? rails.filter((r) => r.supports(operation));
  // The assembled 402 of an operation (per code and message), reused until a part of it must be
  // rebuilt: an ApiError carries no request-specific state (the request id is added when answering).
  const cache = new Map<string, CachedChallenge>();

  const build = async (operation: PayableOperation, code: ErrorCode, message: string | undefined) => {
    const parts = await Promise.all(
      railsFor(operation).map((r) => r.challenge(operation, operation.payment.price)),
    );
    const error = new ApiError(
      code,
      message ?? `payment required: ${parts.map((p) => p.offer).join(' or ')}`,
      {
        headers: Object.assign({ ...NO_STORE }, ...parts.map((p) => p.headers)),
        extra: Object.assign({}, ...parts.map((p) => p.body)),
      },
    );
    const validUntil = Math.min(...parts.map((p) => p.validUntilMs ?? Number.POSITIVE_INFINITY));
    return { error, refreshAtMs: validUntil - REFRESH_MARGIN_MS };
  };

  const paymentRequired = async (
    { id }: { readonly id: string },
    code: ErrorCode = 'PAYMENT_001',
    message?: string,
  ) => {
    const operation = operationOf(id);
    const key = `${operation.id}\u0000${code}\u0000${message ?? ''}`;
    const cached = cache.get(key);
    if (cached && cached.refreshAtMs > Date.now()) return cached.error;
    const built = await build(operation, code, message);
    // Only the few fixed messages are cached (one per operation and code); anything else is built anew.
    if (message === undefined || cache.size < MAX_CACHED) cache.set(key, built);
    return built.error;
  };

  return {
    rails,
    paymentRequired,
    async handle(request) {
      const quoted = await quotedTerms(request, operationOf(request.operation.id));
      const operation = quoted.operation;
      const call = { ...request, operation };
      // Input no payment could buy is refused before any payment is asked for.
      operation.payment.check?.(call.input);
      const supporting = railsFor(operation);
      const rail =
        supporting.find((r) => r.carries(call.request)) ?? supporting.find((r) => r.serves?.(call) === true);
      if (!rail) {
        // A quoted price differing from today's gets a challenge of its own, never the cached one.
        if (quoted.fixed) throw (await build(operation, 'PAYMENT_001', undefined)).error;
        throw await paymentRequired(operation);
      }
      return rail.pay({ ...call, price: operation.payment.price });
    },
    async identify(request, proofs) {
      for (const rail of rails) {
        const principal =
          (await rail.signIn?.(request)) ?? (proofs === 'any' ? await rail.identify?.(request) : undefined);
        if (principal) return principal;
      }
      return undefined;
    },
    async close() {
      await Promise.all(rails.map((rail) => rail.close()));
    },
  };
}
