/**
 * The MPP rail's registration: on when MPP_SECRET_KEY (with STRIPE_SECRET_KEY) is set; mppx and stripe
 * load only then.
 */
import type { RailModule } from '../gateway/rail.ts';
import { mppWire } from './mpp-wire.ts';

export const mppRailModule: RailModule = {
  name: 'mpp',
  wire: mppWire,
  configured: (env) => env.MPP_SECRET_KEY !== undefined,
  async create({ env, services, operations, publicUrl }) {
    const [{ mppConfigFrom }, { createMppRail }] = await Promise.all([
      import('./config.ts'),
      import('./mpp-rail.ts'),
    ]);
    const config = mppConfigFrom(env, publicUrl);
    return config ? createMppRail(config, services, operations, publicUrl) : undefined;
  },
};
