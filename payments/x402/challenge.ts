/**
 * The x402 side of a 402: PaymentRequirements for an operation, the base64 PAYMENT-REQUIRED header
 * (x402 v2) and the `x402` body object of the iris reference. Pure CPU.
 */
import { encodePaymentRequiredHeader } from '@x402/core/http';
import type { PaymentRequired, PaymentRequirements } from '@x402/core/types';
import { formatUsdc, type Price, x402Amount } from '../../src/domain/pricing.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import type { ChallengePart } from '../gateway/rail.ts';
import type { X402Config } from './config.ts';

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
  const paymentRequired: PaymentRequired = {
    x402Version: 2,
    ...(error ? { error } : {}),
    resource: resourceOf(operation, publicUrl, price),
    accepts: [requirements],
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
  };
}
