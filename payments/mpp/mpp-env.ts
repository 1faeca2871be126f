/**
 * The MPP rail's environment variables. The rail is on when MPP_SECRET_KEY and STRIPE_SECRET_KEY are
 * both set; this module holds only zod, so a server without payments never loads mppx or stripe.
 */
import { z } from 'zod';
import { optionalString } from '../../src/env.ts';

export const MppEnvSchema = z
  .object({
    /** HMAC key binding challenges to this server; at least 32 characters. */
    MPP_SECRET_KEY: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
    /** Realm of the challenges; defaults to the public URL's host. */
    MPP_REALM: optionalString,
    STRIPE_SECRET_KEY: optionalString.pipe(
      z
        .string()
        .regex(/^(sk|rk)_/, 'must be a Stripe secret key')
        .optional(),
    ),
    /** Where the Stripe API lives (a local server in tests), e.g. http://127.0.0.1:12111. */
    STRIPE_API_BASE: optionalString.pipe(z.url().optional()),
    /** Stripe Business Network profile of this seller (the challenge's networkId). */
    STRIPE_PROFILE_ID: z.string().default('internal'),
    MPP_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(50).default(30_000),
    /** How long one Stripe API request may take (the SDK retries a failed one once). */
    STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(20_000),
  })
  .superRefine((env, issues) => {
    if (Boolean(env.MPP_SECRET_KEY) !== Boolean(env.STRIPE_SECRET_KEY)) {
      issues.addIssue({
        code: 'custom',
        path: [env.MPP_SECRET_KEY ? 'STRIPE_SECRET_KEY' : 'MPP_SECRET_KEY'],
        message: 'MPP_SECRET_KEY and STRIPE_SECRET_KEY turn the MPP rail on together: set both or neither',
      });
    }
  });

export type MppEnv = z.infer<typeof MppEnvSchema>;
