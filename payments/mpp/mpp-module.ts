/**
 * The MPP rail's registration: on when MPP_SECRET_KEY (with STRIPE_SECRET_KEY) is set; mppx and stripe
 * load only then.
 */
import { defineRail } from '../gateway/rail.ts';
import { MppEnvSchema } from './mpp-env.ts';
import { mppWire } from './mpp-wire.ts';

export const mppRailModule = defineRail({
  name: 'mpp',
  wire: mppWire,
  env: MppEnvSchema,
  configured: (env) => env.MPP_SECRET_KEY !== undefined,
  async create({ railEnv, services, operations, publicUrl }) {
    const [{ mppConfigFrom }, { createMppRail }] = await Promise.all([
      import('./config.ts'),
      import('./mpp-rail.ts'),
    ]);
    const config = mppConfigFrom(railEnv, publicUrl);
    return config ? createMppRail(config, services, operations, publicUrl) : undefined;
  },
});
