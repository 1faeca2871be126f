/**
 * The payment gateway: answers an unpaid call to a payable operation with one 402 challenge built from
 * every rail that supports it, and hands a call to the rail it belongs to. Challenge parts are cached
 * per operation (an expiring one until shortly before it expires), so issuing a challenge stays cheap.
 */
import type { AgentPrincipal } from '../../src/domain/principal.ts';
import { ApiError } from '../../src/errors/api-error.ts';
import type { ErrorCode } from '../../src/errors/catalogue.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import type { OperationRequest, OperationResponse } from '../../src/pipeline/execute-operation.ts';
import { priceOf } from '../pricing.ts';
import type { ChallengePart, PaidCall, PaymentRail } from './rail.ts';

export const NO_STORE = { 'Cache-Control': 'no-store' };

export interface PaymentGateway {
  rails: readonly PaymentRail[];
  handle(call: Omit<PaidCall, 'price'>): Promise<OperationResponse>;
  /** A 402 challenge of an operation: PAYMENT_001 by default, or another payment code and message. */
  paymentRequired(operation: Operation, code?: ErrorCode, message?: string): Promise<ApiError>;
  /** The agent a request proves to be without paying (an MPP credential), if any rail can tell. */
  identify(request: OperationRequest): Promise<AgentPrincipal | undefined>;
  close(): Promise<void>;
}

interface CachedPart {
  part: ChallengePart;
  refreshAtMs: number;
}

/** Expiring parts are rebuilt this long before they expire. */
const REFRESH_MARGIN_MS = 60_000;

export function createPaymentGateway(rails: readonly PaymentRail[]): PaymentGateway {
  const cache = new Map<string, CachedPart>();

  const partOf = async (rail: PaymentRail, operation: Operation): Promise<ChallengePart> => {
    const key = `${rail.name} ${operation.id}`;
    const cached = cache.get(key);
    if (cached && cached.refreshAtMs > Date.now()) return cached.part;
    const part = await rail.challenge(operation, priceOf(operation.id));
    cache.set(key, {
      part,
      refreshAtMs:
        part.validUntilMs === undefined ? Number.POSITIVE_INFINITY : part.validUntilMs - REFRESH_MARGIN_MS,
    });
    return part;
  };

  const paymentRequired = async (operation: Operation, code: ErrorCode = 'PAYMENT_001', message?: string) => {
    const parts = await Promise.all(
      rails.filter((r) => r.supports(operation)).map((r) => partOf(r, operation)),
    );
    return new ApiError(code, message ?? `payment required: ${parts.map((p) => p.offer).join(' or ')}`, {
      headers: Object.assign({ ...NO_STORE }, ...parts.map((p) => p.headers)),
      extra: Object.assign({}, ...parts.map((p) => p.body)),
    });
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
