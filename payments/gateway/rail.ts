/**
 * A payment rail (x402, MPP, …): what it adds to a 402 challenge, whether a call is its to handle, and
 * how it runs a paid call. Rails register with the gateway, which builds the offer from whatever rails
 * support the operation; a rail knows of an operation only what its `payment` section declares.
 */

import type { ZodType } from 'zod';
import type { Db } from '../../db/client.ts';
import type { Price } from '../../src/domain/pricing.ts';
import type { AgentPrincipal, Principal } from '../../src/domain/principal.ts';
import type { Env } from '../../src/env.ts';
import type { Operation, PayableOperation } from '../../src/operations/define-operation.ts';
import type { OperationRequest, OperationResponse } from '../../src/pipeline/operation-io.ts';
import type { CardRefunds, RailWire, Services } from '../../src/services.ts';
import type { Reconciler } from './reconciler.ts';

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
  operation: PayableOperation;
  /** Validated input. */
  input: unknown;
  request: OperationRequest;
  /** Anonymous, or an agent identity's API key (which still pays per call). */
  principal: Principal;
  now: Date;
  price: Price;
}

export interface PaymentRail {
  /** Names the rail in `ctx.payment.rail`, the payments table and receipts. */
  name: string;
  supports(operation: PayableOperation): boolean;
  /** No database or network call. */
  challenge(operation: PayableOperation, price: Price): Promise<ChallengePart>;
  /** Whether the request carries this rail's credential. */
  carries(request: OperationRequest): boolean;
  /** Whether the rail pays for a call that carries no credential (from a balance its caller holds). */
  serves?(call: Omit<PaidCall, 'price'>): boolean;
  pay(call: PaidCall): Promise<OperationResponse>;
  /**
   * The agent a fresh, single-use signed message in the request proves to be (a sign-in): enough for
   * writes. Undefined without one; a sign-in that does not hold is refused (AUTH_001).
   */
  signIn?(request: OperationRequest): Promise<AgentPrincipal | undefined>;
  /**
   * The agent the payment credential in the request proves to be, shown again without paying: enough
   * for reads only, since anyone who saw the credential on its way may show it too.
   */
  identify?(request: OperationRequest): Promise<AgentPrincipal | undefined>;
  /** Finishes what requests left open (run in the background; tests call it). */
  reconciler?: Reconciler;
  /** Refunds of card payments, for a rail that takes cards. */
  cardRefunds?: CardRefunds;
  /** Stops background work. */
  close(): Promise<void>;
}

export interface RailContext<E> {
  env: Env;
  /** The rail's own variables, parsed with its schema. */
  railEnv: E;
  services: Services;
  operations: readonly Operation[];
  /** The base URL clients reach this server at (resource URLs in challenges). */
  publicUrl: string;
}

/**
 * A rail as it registers with the composition root (payments/rails.ts): cheap to import; its libraries
 * load only when the environment turns it on.
 */
export interface RailModule<E = unknown> {
  name: string;
  /** What it adds to CORS, the documents and MCP, whether configured or not. */
  wire: RailWire;
  /** Its environment variables: checked at every start, configured or not, so a typo stops the boot. */
  env: ZodType<E>;
  configured(railEnv: E): boolean;
  /**
   * Deletes the rail's rows that expired by `now` (run every 10 minutes on every server, configured or
   * not: its tables exist everywhere, and rows written while it was on must not stay for good).
   */
  sweep?(db: Db, now: Date): Promise<number>;
  /** Undefined when its configuration turns out incomplete. */
  create(context: RailContext<E>): Promise<PaymentRail | undefined>;
}

/** Declares a rail module with its env type inferred from its schema. */
export const defineRail = <E>(module: RailModule<E>): RailModule => module;
