/**
 * The errors every rail answers in the same situations, worded once: a payment being worked on by
 * another request, a payment proof reused for another request, a payment that belongs to another
 * identity, and a payment processor that did not answer. Each says what the caller should do next.
 */
import { ApiError } from '../../src/errors/api-error.ts';

/** Payment answers are never cached by intermediaries. */
export const NO_STORE = { 'Cache-Control': 'no-store' };

/** `proof`: what the caller paid with, e.g. "payment authorization", "payment credential". */
export function paymentInProgress(proof: string, retryAfterSeconds = 1): ApiError {
  return new ApiError('SERVER_016', `this ${proof} is being processed; retry shortly for its result`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

/** `next`: how to get a fresh proof, e.g. "sign a new one". */
export function paymentReused(proof: string, next: string): ApiError {
  return new ApiError('SERVER_016', `this ${proof} was already used for a different request; ${next}`);
}

export function paymentOfAnotherIdentity(proof: string, holder: string): ApiError {
  return new ApiError('AUTH_002', `this ${proof} belongs to another agent identity than ${holder}`);
}

/** The processor (chain, card network) did not answer: nothing is lost, the same request gets the outcome. */
export function processorUnreachable(message: string): ApiError {
  return new ApiError('SERVER_009', message, { headers: { 'Retry-After': '5', ...NO_STORE } });
}
