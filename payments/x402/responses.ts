/**
 * What the x402 rail answers: the settled answer (what was bought + payment receipt headers), the 202
 * while a settlement is pending, and its errors (PAYMENT_002 refused, PAYMENT_004 charged but not
 * completed, SERVER_009 chain out of reach), each with the reason.
 */
import { encodePaymentResponseHeader } from '@x402/core/http';
import type { SettleResponse } from '@x402/core/types';
import type { ApiKeyWithSecret } from '../../src/domain/api-keys/api-key-view.ts';
import { receiptHeader } from '../../src/domain/payments/payment-receipt.ts';
import { formatUsdc, type Price } from '../../src/domain/pricing.ts';
import { ApiError } from '../../src/errors/api-error.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import type { StoredResponse } from '../../src/pipeline/operation-io.ts';
import { NO_STORE, paymentInProgress, processorUnreachable } from '../gateway/payment-errors.ts';
import { x402Challenge } from './challenge.ts';
import type { X402Config } from './config.ts';

export function receiptHeaders(settle: SettleResponse): Record<string, string> {
  const encoded = encodePaymentResponseHeader(settle);
  return { 'PAYMENT-RESPONSE': encoded, 'X-PAYMENT-RESPONSE': encoded };
}

export interface PaymentMeta {
  rail: 'x402';
  status: 'settled' | 'pending';
  transaction: string;
  network: string;
  payer: string;
  amount: string;
  identity_id: string;
  /** The payment's id: GET /payments/:id tells its status (an authorization's id while it settles). */
  payment_id?: string;
  /** The signed receipt (compact JWS), once settled. */
  receipt?: string;
  /** Only on the payment that created the identity's key (and replays of it). */
  agent_api_key?: ApiKeyWithSecret;
}

export function paidResponse(
  status: number,
  data: unknown,
  settle: SettleResponse,
  meta: PaymentMeta,
): StoredResponse {
  return {
    status,
    headers: {
      ...receiptHeaders(settle),
      ...NO_STORE,
      ...(meta.receipt ? receiptHeader(meta.receipt) : {}),
      ...(status === 202 ? { 'Retry-After': '2' } : {}),
      ...(status === 202 && meta.payment_id ? { Location: `/payments/${meta.payment_id}` } : {}),
    },
    body: { success: true, data, meta: { payment: meta } },
  };
}

export function verificationFailed(
  config: X402Config,
  operation: Operation,
  price: Price,
  publicUrl: string,
  reason: string,
): ApiError {
  const challenge = x402Challenge(config, operation, price, publicUrl, reason);
  return new ApiError('PAYMENT_002', `x402 payment verification failed: ${reason}`, {
    headers: { ...challenge.headers, ...NO_STORE },
    extra: challenge.body,
  });
}

export const chainUnavailable = (): ApiError =>
  processorUnreachable(
    'the payment network cannot be reached right now; resend the same request later to get the outcome (one authorization is never charged twice)',
  );

export const authorizationInProgress = (): ApiError => paymentInProgress('payment authorization');

export function chargedButFailed(
  transaction: string,
  amountAtomic: bigint,
  refund: { state: 'owed' | 'sent'; reference?: string | null } | 'completing',
): ApiError {
  const amount = `$${formatUsdc(amountAtomic)} USDC`;
  const detail =
    refund === 'completing'
      ? 'completing the purchase failed; it is retried automatically - resend the same request for the result'
      : refund.state === 'sent'
        ? `the ${amount} were sent back in transaction ${refund.reference}`
        : `a refund of ${amount} is owed to the payer and recorded`;
  return new ApiError('PAYMENT_004', `payment settled in transaction ${transaction}, but ${detail}`, {
    headers: NO_STORE,
  });
}
