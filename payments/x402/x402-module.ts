/**
 * The x402 rail's registration: on when X402_PAY_TO is set; viem and @x402 load only then.
 */
import type { RailModule } from '../gateway/rail.ts';
import { x402Wire } from './x402-wire.ts';

export const x402RailModule: RailModule = {
  name: 'x402',
  wire: x402Wire,
  configured: (env) => env.X402_PAY_TO !== undefined,
  async create({ env, services, operations, publicUrl }) {
    const [{ x402ConfigFrom }, { createX402Rail }] = await Promise.all([
      import('./config.ts'),
      import('./x402-rail.ts'),
    ]);
    const config = x402ConfigFrom(env);
    return config ? createX402Rail(config, services, operations, publicUrl) : undefined;
  },
};
