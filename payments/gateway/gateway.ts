/**
 * The payment gateway: answers an unpaid call to a payable operation with one 402 challenge built from
 * every rail that supports it, and hands a call to the rail it belongs to. Challenges are kept assembled
 * per operation (one with an expiring part until shortly before it expires), so issuing one is a lookup.
 */
import type { AgentPrincipal } from '../../src/domain/principal.ts';
import { ApiError } from '../../src/errors/api-error.ts';
import type { ErrorCode } from '../../src/errors/catalogue.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import type { OperationRequest, OperationResponse } from '../../src/pipeline/execute-operation.ts';
import { priceOf } from '../pricing.ts';
import type { PaidCall, PaymentRail } from './rail.ts';

export const NO_STORE = { 'Cache-Control': 'no-store' };
/** Challenges kept assembled: every payable operation with each payment code, with room to spare. */
const MAX_CACHED = 256;

export interface PaymentGateway {
  rails: readonly PaymentRail[];
  handle(call: Omit<PaidCall, 'price'>): Promise<OperationResponse>;
  /** A 402 challenge of an operation: PAYMENT_001 by default, or another payment code and message. */
  paymentRequired(operation: Operation, code?: ErrorCode, message?: string): Promise<ApiError>;
  /** The agent a request proves to be without paying (an MPP credential), if any rail can tell. */
  identify(request: OperationRequest): Promise<AgentPrincipal | undefined>;
  close(): Promise<void>;
}

interface CachedChallenge {
  error: ApiError;
  refreshAtMs: number;
}

/** Expiring parts are rebuilt this long before they expire. */
const REFRESH_MARGIN_MS = 60_000;

export function createPaymentGateway(rails: readonly PaymentRail[]): PaymentGateway {
  // The assembled 402 of an operation (per code and message), reused until a part of it must be
  // rebuilt: an ApiError carries no request-specific state (the request id is added when answering).
  const cache = new Map<string, CachedChallenge>();

  const build = async (operation: Operation, code: ErrorCode, message: string | undefined) => {
    const parts = await Promise.all(
      rails.filter((r) => r.supports(operation)).map((r) => r.challenge(operation, priceOf(operation.id))),
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

  const paymentRequired = async (operation: Operation, code: ErrorCode = 'PAYMENT_001', message?: string) => {
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
    async handle(call) {
      const rail = rails.find((r) => r.supports(call.operation) && r.takes(call));
      if (!rail) throw await paymentRequired(call.operation);
      return rail.pay({ ...call, price: priceOf(call.operation.id) });
    },
    async identify(request) {
      for (const rail of rails) {
        const principal = await rail.identify?.(request);
        if (principal) return principal;
      }
      return undefined;
    },
    async close() {
      await Promise.all(rails.map((rail) => rail.close()));
    },
  };
}
