/**
 * The x402 rail's environment variables. The rail is on when X402_PAY_TO is set; this module holds only
 * zod, so a server without payments never loads viem to read them.
 */
import { z } from 'zod';
import { optionalString } from '../../src/env.ts';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/;
const address = optionalString.pipe(z.string().regex(ADDRESS, 'must be a 0x address').optional());
const privateKey = optionalString.pipe(z.string().regex(PRIVATE_KEY, 'must be 0x + 64 hex').optional());

export const X402EnvSchema = z
  .object({
    X402_NETWORK: z.enum(['eip155:8453', 'eip155:84532']).default('eip155:8453'),
    X402_RPC_URL: optionalString.pipe(z.url().optional()),
    X402_PAY_TO: address,
    X402_ASSET: address,
    /** EIP-712 domain of X402_ASSET (defaults: the network's USDC domain). */
    X402_ASSET_NAME: optionalString,
    X402_ASSET_VERSION: optionalString,
    X402_SETTLER_PRIVATE_KEY: privateKey,
    X402_FACILITATOR_URL: optionalString.pipe(z.url().optional()),
    /** Sends USDC back when a payment was taken but its campaign could not be created. */
    X402_REFUND_PRIVATE_KEY: privateKey,
    X402_MAX_TIMEOUT_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
    /** How long a request waits for the settlement receipt before answering "pending". */
    X402_SETTLE_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
    X402_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(50).default(15_000),
  })
  .superRefine((env, issues) => {
    if (env.X402_PAY_TO && !env.X402_SETTLER_PRIVATE_KEY && !env.X402_FACILITATOR_URL) {
      issues.addIssue({
        code: 'custom',
        path: ['X402_PAY_TO'],
        message: 'set, but nothing can settle: set X402_SETTLER_PRIVATE_KEY or X402_FACILITATOR_URL',
      });
    }
    if (env.X402_ASSET && (!env.X402_ASSET_NAME || !env.X402_ASSET_VERSION)) {
      issues.addIssue({
        code: 'custom',
        path: ['X402_ASSET'],
        message: 'needs X402_ASSET_NAME and X402_ASSET_VERSION (its EIP-712 domain)',
      });
    }
  });

export type X402Env = z.infer<typeof X402EnvSchema>;
