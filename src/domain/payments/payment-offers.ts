/**
 * Machine-readable payment discovery: what a payable operation costs on each rail that accepts it, as
 * OpenAPI `x-payment-info` offers (the mppx discovery format: intent, method, amount in base units,
 * currency) and the service's `x-service-info`. Amounts come from the operation's own price, the one
 * every 402 challenge is built from.
 */
import type { Operation } from '../../operations/define-operation.ts';
import { QUOTE_HEADER, QUOTE_LIFETIME_SECONDS } from '../quotes/quote-token.ts';

export interface PaymentOffer {
  intent: 'charge';
  method: string;
  /** Base units of `currency`: USDC atomic units (6 decimals), or cents. */
  amount: string;
  currency: string;
  decimals: number;
  description: string;
}

/** The offer of one rail for a price, for the rails iris knows. */
function offerOf(rail: string, operation: Operation): PaymentOffer | undefined {
  const price = operation.payment?.price;
  if (!price) return undefined;
  if (rail === 'x402' && price.x402Atomic !== undefined) {
    return {
      intent: 'charge',
      method: 'x402',
      amount: price.x402Atomic.toString(),
      currency: 'USDC',
      decimals: 6,
      description: `${price.description} (x402 scheme exact, EIP-3009 USDC)`,
    };
  }
  if (rail === 'mpp') {
    return {
      intent: 'charge',
      method: 'stripe',
      amount: String(price.mppCents),
      currency: 'usd',
      decimals: 2,
      description: `${price.description} (MPP, Stripe)`,
    };
  }
  return undefined;
}

/** `x-payment-info` of a payable operation: one offer per rail that accepts it. */
export function paymentInfoOf(
  operation: Operation,
  rails: readonly { name: string; openapi: { accepts(operation: Operation): boolean } }[],
): { offers: PaymentOffer[]; credits?: number } | undefined {
  if (!operation.payment) return undefined;
  const offers = rails
    .filter((rail) => rail.openapi.accepts(operation))
    .map((rail) => offerOf(rail.name, operation))
    .filter((offer): offer is PaymentOffer => offer !== undefined);
  if (offers.length === 0) return undefined;
  return {
    offers,
    ...(operation.payment.credits === undefined ? {} : { credits: operation.payment.credits }),
  };
}

/** `x-service-info` at the OpenAPI root. */
export const SERVICE_INFO = {
  categories: ['marketing', 'outreach', 'ai'],
  docs: { llms: '/llms.txt', apiReference: '/openapi.json' },
  receipts: { jwks: '/.well-known/jwks.json', header: 'Iris-Receipt', alg: 'EdDSA' },
  payments: { status: 'GET /payments/{id}', x402: '/.well-known/x402' },
  quotes: {
    endpoint: 'POST /campaigns/quote',
    header: QUOTE_HEADER,
    valid_seconds: QUOTE_LIFETIME_SECONDS,
  },
} as const;
