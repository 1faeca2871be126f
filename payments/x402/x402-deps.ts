/**
 * What the x402 rail's steps share: the service container, the rail's configuration, the facilitator
 * and a read client of the chain.
 */
import type { PublicClient } from 'viem';
import type { KnownIdentities } from '../../src/domain/agents/identities.ts';
import type { Services } from '../../src/services.ts';
import type { X402Config } from './config.ts';
import type { Facilitator } from './facilitator.ts';
import type { Settler } from './settler.ts';

export interface X402Deps {
  services: Services;
  config: X402Config;
  facilitator: Facilitator;
  chain: PublicClient;
  /** The refund wallet, when X402_REFUND_PRIVATE_KEY is set. */
  refunder?: Settler;
  publicUrl: string;
  /** How long a request may work on an authorization before the reconciler may take it over. */
  leaseMs: number;
  /** Payers seen before, and whether they hold their agent key. */
  known: KnownIdentities;
}
