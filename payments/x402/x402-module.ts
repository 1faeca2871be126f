/**
 * The x402 rail's registration: on when X402_PAY_TO is set; viem and @x402 load only then.
 */
import { defineRail } from '../gateway/rail.ts';
import { sweepExpiredSignIns } from './siwx-sign-ins.ts';
import { X402EnvSchema } from './x402-env.ts';
import { x402Wire } from './x402-wire.ts';

export const x402RailModule = defineRail({
  name: 'x402',
  wire: x402Wire,
  env: X402EnvSchema,
  configured: (env) => env.X402_PAY_TO !== undefined,
  sweep: sweepExpiredSignIns,
  async create({ railEnv, services, operations, publicUrl }) {
    const [{ x402ConfigFrom }, { createX402Rail }] = await Promise.all([
      import('./config.ts'),
      import('./x402-rail.ts'),
    ]);
    const config = x402ConfigFrom(railEnv);
    return config ? createX402Rail(config, services, operations, publicUrl) : undefined;
  },
});
