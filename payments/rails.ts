/**
 * The payment rails this server knows, in the order a call is offered to them. Adding a rail is its
 * module plus one line here.
 */
import type { RailModule } from './gateway/rail.ts';
import { mppRailModule } from './mpp/mpp-module.ts';
import { x402RailModule } from './x402/x402-module.ts';

export const RAILS: readonly RailModule[] = [x402RailModule, mppRailModule];
