/**
 * MPP settings: the Stripe client (pointed at STRIPE_API_BASE when set) and the mppx server with the
 * Stripe charge method, created once. The rail is off unless MPP_SECRET_KEY and STRIPE_SECRET_KEY are set.
 */
import { Mppx, stripe } from 'mppx/server';
import Stripe from 'stripe';
import type { MppEnv } from './mpp-env.ts';

export interface MppConfig {
  secretKey: string;
  realm: string;
  stripeSecretKey: string;
  stripeApiBase?: string;
  profileId: string;
  reconcileIntervalMs: number;
  /** Per Stripe API request. */
  stripeTimeoutMs: number;
}

export function mppConfigFrom(env: MppEnv, publicUrl: string): MppConfig | undefined {
  if (!env.MPP_SECRET_KEY || !env.STRIPE_SECRET_KEY) return undefined;
  return {
    secretKey: env.MPP_SECRET_KEY,
    realm: env.MPP_REALM ?? new URL(publicUrl).host,
    stripeSecretKey: env.STRIPE_SECRET_KEY,
    stripeApiBase: env.STRIPE_API_BASE,
    profileId: env.STRIPE_PROFILE_ID,
    reconcileIntervalMs: env.MPP_RECONCILE_INTERVAL_MS,
    stripeTimeoutMs: env.STRIPE_TIMEOUT_MS,
  };
}

/** The official Stripe SDK; a base URL is split into the host, port and protocol it takes. */
export function createStripeClient(
  config: Pick<MppConfig, 'stripeSecretKey' | 'stripeApiBase' | 'stripeTimeoutMs'>,
): Stripe {
  const timeout = config.stripeTimeoutMs;
  if (!config.stripeApiBase) return new Stripe(config.stripeSecretKey, { maxNetworkRetries: 1, timeout });
  const base = new URL(config.stripeApiBase);
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(config.stripeSecretKey, {
    host: base.hostname,
    port: base.port ? Number(base.port) : protocol === 'http' ? 80 : 443,
    protocol,
    maxNetworkRetries: 1,
    timeout,
  });
}

export function createMppx(config: MppConfig, client: Stripe) {
  return Mppx.create({
    methods: [
      stripe.charge({
        client,
        networkId: config.profileId,
        paymentMethodTypes: ['card'],
        currency: 'usd',
        decimals: 2,
      }),
    ],
    secretKey: config.secretKey,
    realm: config.realm,
  });
}

export type MppxServer = ReturnType<typeof createMppx>;
