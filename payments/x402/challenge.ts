/**
 * The x402 side of a 402: PaymentRequirements for an operation, the base64 PAYMENT-REQUIRED header
 * (x402 v2) and the `x402` body object of the iris reference. Pure CPU.
 */
import { encodePaymentRequiredHeader } from '@x402/core/http';
import type { PaymentRequired, PaymentRequirements } from '@x402/core/types';
import { declarePaymentIdentifierExtension, PAYMENT_IDENTIFIER } from '@x402/extensions/payment-identifier';
import { SIGN_IN_WITH_X } from '@x402/extensions/sign-in-with-x';
import { formatUsdc, type Price, x402Amount } from '../../src/domain/pricing.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import type { ChallengePart } from '../gateway/rail.ts';
import type { X402Config } from './config.ts';
import { SIWX_LIFETIME_MS, siwxDeclaration } from './siwx.ts';

export function paymentRequirements(config: X402Config, price: Price): PaymentRequirements {
  return {
    scheme: 'exact',
    network: config.network.id,
    asset: config.asset,
    amount: x402Amount(price).toString(),
    payTo: config.payTo,
    maxTimeoutSeconds: config.maxTimeoutSeconds,
    extra: { name: config.assetName, version: config.assetVersion },
  };
}

export function resourceOf(
  operation: Operation,
  publicUrl: string,
  price: Price,
): PaymentRequired['resource'] {
  return {
    url: `${publicUrl}${operation.path}`,
    description: `${operation.summary}: ${price.description}`,
    mimeType: 'application/json',
  };
}

export function x402Challenge(
  config: X402Config,
  operation: Operation,
  price: Price,
  publicUrl: string,
  error?: string,
): ChallengePart {
  const requirements = paymentRequirements(config, price);
  // Real time, as the sign-in message's validity is checked against it.
  const now = new Date();
  const paymentRequired: PaymentRequired = {
    x402Version: 2,
    ...(error ? { error } : {}),
    resource: resourceOf(operation, publicUrl, price),
    accepts: [requirements],
    // A client may name its payment (16-128 characters): a re-signed retry of the same request under
    // that name gets the first answer and pays once (payments/x402/payment-identifier.ts).
    extensions: {
      [PAYMENT_IDENTIFIER]: declarePaymentIdentifierExtension(false),
      // A wallet that paid may sign in instead of keeping its agent key (payments/x402/siwx.ts).
      [SIGN_IN_WITH_X]: siwxDeclaration(config, publicUrl, now),
    },
  };
  const isUsdc = config.asset === config.network.usdc;
  return {
    headers: { 'PAYMENT-REQUIRED': encodePaymentRequiredHeader(paymentRequired) },
    body: {
      x402: {
        version: 2,
        scheme: 'exact',
        network: config.network.id,
        asset: isUsdc ? 'USDC' : config.asset,
        asset_address: config.asset,
        amount: formatUsdc(x402Amount(price)),
        amount_atomic: requirements.amount,
        receiver: config.payTo,
        resource: `${operation.method} ${operation.path}`,
        max_timeout_seconds: config.maxTimeoutSeconds,
        ...(error ? { error } : {}),
      },
    },
    offer: `$${formatUsdc(x402Amount(price))} ${isUsdc ? 'USDC' : 'of the asset'} (x402)`,
    // The sign-in message it declares expires: the gateway assembles a fresh challenge before then.
    validUntilMs: now.getTime() + SIWX_LIFETIME_MS,
  };
}
