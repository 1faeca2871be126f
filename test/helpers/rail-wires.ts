/** The wire formats of every payment rail this server knows, as composeServices registers them. */
import { RAILS } from '../../payments/rails.ts';

export const RAIL_WIRES = RAILS.map((rail) => rail.wire);
