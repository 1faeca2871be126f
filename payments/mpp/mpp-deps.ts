/**
 * What the MPP rail's steps share: services, configuration, the mppx server and the Stripe client.
 */
import type Stripe from 'stripe';
import type { Services } from '../../src/services.ts';
import type { MppConfig, MppxServer } from './config.ts';

export interface MppDeps {
  services: Services;
  config: MppConfig;
  mppx: MppxServer;
  stripe: Stripe;
  publicUrl: string;
  /** How long a request may work on a charge before the reconciler may take it over. */
  leaseMs: number;
}
