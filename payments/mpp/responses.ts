/**
 * What the MPP rail answers with: the receipt header, and the errors of the reference (PAYMENT_003 a
 * credential refused, BILLING_004 a card declined, PAYMENT_006 an unknown pack, SERVER_009 Stripe out
 * of reach), each saying what to do next.
 */
import { Receipt } from 'mppx';
import { ApiError } from '../../src/errors/api-error.ts';
import { NO_STORE } from '../gateway/gateway.ts';

export function receiptHeaders(receipt: Receipt.Receipt): Record<string, string> {
  return { 'Payment-Receipt': Receipt.serialize(receipt), ...NO_STORE };
}

export function credentialRefused(reason: string): ApiError {
  return new ApiError('PAYMENT_003', `MPP credential verification failed: ${reason}`, { headers: NO_STORE });
}

export function cardDeclined(): ApiError {
  return new ApiError('BILLING_004', 'payment failed: the card was declined; nothing was charged', {
    headers: NO_STORE,
  });
}

export function unknownPack(pack: string, known: readonly string[]): ApiError {
  return new ApiError('PAYMENT_006', `invalid credit pack id: ${pack}; available: ${known.join(', ')}`);
}

export function stripeUnreachable(): ApiError {
  return new ApiError(
    'SERVER_009',
    'the card processor did not answer; if the charge went through it will be booked - resend the same request later for the outcome',
    { headers: { 'Retry-After': '5', ...NO_STORE } },
  );
}

export function chargeInProgress(): ApiError {
  return new ApiError(
    'SERVER_016',
    'this payment credential is being processed; retry shortly for its result',
    {
      headers: { 'Retry-After': '1' },
    },
  );
}

export function credentialReused(): ApiError {
  return new ApiError(
    'SERVER_016',
    'this payment credential was already used for a different request; get a new challenge',
  );
}

export function bookingPending(): ApiError {
  return new ApiError(
    'SERVER_009',
    'the payment went through but booking it failed; it is booked automatically - resend the same request shortly for the result',
    { headers: { 'Retry-After': '5', ...NO_STORE } },
  );
}
