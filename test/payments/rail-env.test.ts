/**
 * Each rail owns its variables: src/env.ts does not name them, the rail's schema parses them, and the
 * composition root checks every registered rail's at start, in one error naming each wrong variable.
 */
import { describe, expect, it } from 'vitest';
import { MppEnvSchema } from '../../payments/mpp/mpp-env.ts';
import { RAILS } from '../../payments/rails.ts';
import { X402EnvSchema } from '../../payments/x402/x402-env.ts';
import { EnvError, parseEnv, parseEnvParts } from '../../src/env.ts';
import { startTestServer } from '../helpers/test-server.ts';

const KEY = `0x${'11'.repeat(32)}`;
const ADDRESS = `0x${'22'.repeat(20)}`;

function problems(source: Record<string, string>): string {
  try {
    parseEnvParts(
      RAILS.map((rail) => rail.env),
      source,
    );
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(EnvError);
    return (error as Error).message;
  }
}

describe('rail variables', () => {
  it('are not part of the core configuration', () => {
    const env = parseEnv({ X402_PAY_TO: 'not an address', MPP_SECRET_KEY: 'short' });
    expect(Object.keys(env).filter((name) => /^(X402|MPP|STRIPE)_/.test(name))).toEqual([]);
    expect(env.source.X402_PAY_TO).toBe('not an address');
  });

  it('parse with defaults when unset, and every registered rail is then off', () => {
    const parsed = parseEnvParts(
      RAILS.map((rail) => rail.env),
      {},
    );
    expect(RAILS.map((rail, index) => rail.configured(parsed[index]))).toEqual(RAILS.map(() => false));
    expect(X402EnvSchema.parse({})).toMatchObject({
      X402_NETWORK: 'eip155:8453',
      X402_SETTLE_TIMEOUT_MS: 30_000,
    });
    expect(MppEnvSchema.parse({})).toMatchObject({
      STRIPE_PROFILE_ID: 'internal',
      MPP_RECONCILE_INTERVAL_MS: 30_000,
      STRIPE_TIMEOUT_MS: 20_000,
    });
  });

  it('turn a rail on when its switch variable is set', () => {
    const x402 = X402EnvSchema.parse({ X402_PAY_TO: ADDRESS, X402_SETTLER_PRIVATE_KEY: KEY });
    const mpp = MppEnvSchema.parse({ MPP_SECRET_KEY: 'k'.repeat(32), STRIPE_SECRET_KEY: 'sk_test_1' });
    const byName = Object.fromEntries(RAILS.map((rail) => [rail.name, rail]));
    expect(byName.x402?.configured(x402)).toBe(true);
    expect(byName.mpp?.configured(mpp)).toBe(true);
  });

  it('name each wrong variable, over both rails at once', () => {
    const message = problems({
      X402_PAY_TO: ADDRESS,
      X402_ASSET: ADDRESS,
      X402_REFUND_PRIVATE_KEY: '0x12',
      MPP_SECRET_KEY: 'k'.repeat(32),
    });
    expect(message).toMatch(/X402_PAY_TO: set, but nothing can settle/);
    expect(message).toMatch(/X402_ASSET: needs X402_ASSET_NAME and X402_ASSET_VERSION/);
    expect(message).toMatch(/X402_REFUND_PRIVATE_KEY: must be 0x \+ 64 hex/);
    expect(message).toMatch(
      /STRIPE_SECRET_KEY: MPP_SECRET_KEY and STRIPE_SECRET_KEY turn the MPP rail on together/,
    );
    expect(problems({ STRIPE_SECRET_KEY: 'sk_test_1' })).toMatch(/MPP_SECRET_KEY: /);
    expect(problems({ X402_PAY_TO: ADDRESS, X402_FACILITATOR_URL: 'http://127.0.0.1:9' })).toBe('');
  });

  it('stop the start of a server, configured or not', async () => {
    await expect(startTestServer({ X402_NETWORK: 'eip155:1' })).rejects.toThrow(/X402_NETWORK/);
    await expect(startTestServer({ MPP_RECONCILE_INTERVAL_MS: '5' })).rejects.toThrow(
      /MPP_RECONCILE_INTERVAL_MS/,
    );
  });
});
