/**
 * The payment gateway: answers an unpaid call to a payable operation with one 402 challenge built
 * from every registered rail, and hands a call carrying a credential to the rail it belongs to.
 */
import { ApiError } from '../../src/errors/api-error.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import type { OperationResponse } from '../../src/pipeline/execute-operation.ts';
import { priceOf } from '../pricing.ts';
import type { PaidCall, PaymentRail } from './rail.ts';

export const NO_STORE = { 'Cache-Control': 'no-store' };

export interface PaymentGateway {
  rails: readonly PaymentRail[];
  handle(call: Omit<PaidCall, 'price'>): Promise<OperationResponse>;
  /** The 402 PAYMENT_001 challenge of an operation (built once per operation, then reused). */
  paymentRequired(operation: Operation): ApiError;
  close(): Promise<void>;
}

export function createPaymentGateway(rails: readonly PaymentRail[]): PaymentGateway {
  const challenges = new Map<
    string,
    { headers: Record<string, string>; extra: Record<string, unknown>; message: string }
  >();

  const challengeOf = (operation: Operation) => {
    let built = challenges.get(operation.id);
    if (!built) {
      const price = priceOf(operation.id);
      const parts = rails.map((rail) => rail.challenge(operation, price));
      built = {
        headers: Object.assign({ ...NO_STORE }, ...parts.map((p) => p.headers)),
        extra: Object.assign({}, ...parts.map((p) => p.body)),
        message: `payment required: ${parts.map((p) => p.offer).join(' or ')}`,
      };
      challenges.set(operation.id, built);
    }
    return built;
  };

  const paymentRequired = (operation: Operation) => {
    const { headers, extra, message } = challengeOf(operation);
    return new ApiError('PAYMENT_001', message, { headers, extra });
  };

  return {
    rails,
    paymentRequired,
    async handle(call) {
      const rail = rails.find((r) => r.carriesCredential(call.request));
      if (!rail) throw paymentRequired(call.operation);
      return rail.pay({ ...call, price: priceOf(call.operation.id) });
    },
    async close() {
      await Promise.all(rails.map((rail) => rail.close()));
    },
  };
}
