/**
 * A test server with the MPP rail on, talking to the local Stripe server, plus the unmodified mppx
 * client (`mppx/client`, stripe method with createToken) to pay it.
 */
import { randomBytes } from 'node:crypto';
import { Mppx, stripe } from 'mppx/client';
import { type StripeServer, startStripeServer } from './stripe-server.ts';
import { startTestServer, type TestServer } from './test-server.ts';

export interface MppServer {
  stripe: StripeServer;
  server: TestServer;
  close(): Promise<void>;
}

export async function startMppServer(env: Record<string, string> = {}): Promise<MppServer> {
  const stripeServer = await startStripeServer();
  const server = await startTestServer({
    MPP_SECRET_KEY: randomBytes(32).toString('hex'),
    MPP_REALM: 'iris.test',
    STRIPE_SECRET_KEY: 'sk_test_iris',
    STRIPE_API_BASE: stripeServer.url,
    STRIPE_PROFILE_ID: 'profile_test',
    MPP_RECONCILE_INTERVAL_MS: '3600000',
    ...env,
  });
  return {
    stripe: stripeServer,
    server,
    async close() {
      await server.close();
      await stripeServer.close();
    },
  };
}

/** A fresh shared payment token of a card (`spt_<card>_<n>`; a card named "decline…" is declined). */
export function newToken(card: string): string {
  return `spt_${card}_${randomBytes(6).toString('hex')}`;
}

/**
 * The stock mppx client: on a 402 it answers the Stripe challenge with a shared payment token made by
 * `createToken`, then replays the request with `Authorization: Payment …`.
 */
export function mppClient(createToken: () => string, extra: { fetch?: typeof fetch } = {}) {
  return Mppx.create({
    polyfill: false,
    ...(extra.fetch ? { fetch: extra.fetch } : {}),
    methods: [stripe({ paymentMethod: 'pm_card_visa', createToken: async () => createToken() })],
  });
}
