/**
 * A payment rail (x402, MPP): what it adds to a 402 challenge, whether a call is its to handle, and how
 * it runs a paid call. Rails register with the gateway, which builds the offer from whatever rails
 * support the operation.
 */

import type { Price } from '../../src/domain/pricing.ts';
import type { AgentPrincipal, Principal } from '../../src/domain/principal.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import type { OperationRequest, OperationResponse } from '../../src/pipeline/operation-io.ts';
import type { Services } from '../../src/services.ts';

export interface ChallengePart {
  /** Response headers (PAYMENT-REQUIRED, WWW-Authenticate). */
  headers: Record<string, string>;
  /** Top-level body fields (`x402`, `mpp`, `credits`). */
  body: Record<string, unknown>;
  /** One phrase of the PAYMENT_001 message, e.g. "$2.25 USDC (x402)". */
  offer: string;
  /** Until when the part may be reused (challenges that expire); undefined: forever. */
  validUntilMs?: number;
}

export interface PaidCall {
  services: Services;
  operation: Operation;
  /** Validated input. */
  input: unknown;
  request: OperationRequest;
  /** Anonymous, or an agent identity's API key (which still pays per call). */
  principal: Principal;
  now: Date;
  price: Price;
}

export interface PaymentRail {
  name: 'x402' | 'mpp';
  supports(operation: Operation): boolean;
  /** No database or network call. */
  challenge(operation: Operation, price: Price): Promise<ChallengePart>;
  /** Whether this rail takes the call (it carries the rail's credential, or an identity it serves). */
  takes(call: Omit<PaidCall, 'price'>): boolean;
  pay(call: PaidCall): Promise<OperationResponse>;
  /** The agent a request proves to be without paying (for balance-style operations). */
  identify?(request: OperationRequest): Promise<AgentPrincipal | undefined>;
  /** Stops background work (reconcilers). */
  close(): Promise<void>;
}
