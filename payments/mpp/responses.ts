/**
 * What the MPP rail answers with: the receipt header, and its errors (PAYMENT_003 a credential refused,
 * BILLING_004 a card declined, SERVER_009 Stripe out of reach or a booking still to be made), each
 * saying what to do next.
 */
import { Receipt } from 'mppx';
import { ApiError } from '../../src/errors/api-error.ts';
import {
  NO_STORE,
  paymentInProgress,
  paymentReused,
  processorUnreachable,
} from '../gateway/payment-errors.ts';

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

export const stripeUnreachable = (): ApiError =>
  processorUnreachable(
    'the card processor did not answer; if the charge went through it will be booked - resend the same request later for the outcome',
  );

export const bookingPending = (): ApiError =>
  processorUnreachable(
    'the payment went through but booking it failed; it is booked automatically - resend the same request shortly for the result',
  );

export const chargeInProgress = (): ApiError => paymentInProgress('payment credential');

export const credentialReused = (): ApiError => paymentReused('payment credential', 'get a new challenge');
