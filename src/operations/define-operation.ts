/**
 * The shape of an operation: defined once here, then turned into an express route, an OpenAPI path,
 * an MCP tool, a CLI command and a line of llms.txt. Handlers get validated input and a context and
 * never see transport types.
 */
import type { z } from 'zod';
import type { Db } from '../../db/client.ts';
import type { Price } from '../domain/pricing.ts';
import type { Principal, Scope } from '../domain/principal.ts';
import type { ErrorCode } from '../errors/catalogue.ts';
import type { Services } from '../services.ts';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
/** `none`: every authenticated caller, whatever its scopes. */
export type RequiredScope = Scope | 'none';
/** Limits applied on top of the global and burst limits every request counts against. */
export type RateLimitClass = 'campaignMutations' | 'contactMutations' | 'aiGeneration' | 'discovery';

export interface Pagination {
  limit: number;
  has_more: boolean;
  next_cursor: string | null;
}

export interface ResponseMeta {
  pagination?: Pagination;
}

export interface HandlerResult<O> {
  data: O;
  meta?: ResponseMeta;
  /** Extra response headers, kept on idempotent replays (payment receipts). */
  headers?: Record<string, string>;
  /** Audited resource id, when it is not `data.id`. */
  resourceId?: string;
  /** Audit metadata; never put secrets here. */
  auditMetadata?: Record<string, unknown>;
}

export interface OperationContext {
  /** The transaction for writes (shared with the audit row and idempotency record), the pool for reads. */
  db: Db;
  principal: Principal;
  requestId: string;
  services: Services;
  /** Request time, one value for the whole operation. */
  now: Date;
  /** Runs once the operation's transaction has committed (e.g. dropping cached state it changed). */
  afterCommit(hook: () => void): void;
  /** Set when an agent pays for this call: the rail, and the money movement already made with its payments row. */
  payment?: {
    rail: string;
    reference?: string;
    paymentId?: string;
  };
  /** The id the created resource must take, when the caller needs to know it in advance (a ledger entry). */
  newId?: string;
}

/**
 * What paying for an operation buys. Either what is bought is created before the money moves and waits
 * inactive (`deferred`: the handler creates it under `ctx.newId` while `ctx.payment` is set, `activate`
 * makes it live once the payment is final, `undo` removes it when nothing was charged), or, without
 * `deferred`, the handler runs once the money has moved (`ctx.payment.reference` names it).
 */
export interface PaymentTerms {
  price: Price;
  /** How many ledger credits one call costs, when credits may pay for it. */
  credits?: number;
  deferred?: {
    /** The resource's view once live; undefined when it no longer waits for its payment (gone). */
    activate(tx: Db, resourceId: string, now: Date): Promise<unknown>;
    undo(tx: Db, resourceId: string): Promise<void>;
    /** The resource while it waits (the answer of a payment still settling); null when gone. */
    view(db: Db, resourceId: string): Promise<unknown>;
  };
  /** Refuses input that no payment could buy, before any payment is asked for (throws an ApiError). */
  check?(input: unknown): void;
}

export interface OperationDefinition<I extends z.ZodObject, O extends z.ZodType> {
  /** `resource.verb`; the MCP tool is `resource_verb`, the CLI command `iris resource verb`. */
  id: string;
  method: HttpMethod;
  /** Express-style path, parameters as `:name`. */
  path: string;
  summary: string;
  scope: RequiredScope;
  /**
   * Agents may pay (x402 / MPP) instead of presenting an API key; what the payment buys. The payment
   * rails know nothing else about the operation.
   */
  payment?: PaymentTerms;
  /**
   * Agents may call it without a key by proving who they are (no charge): the principal is then that
   * agent identity, as with its agent key. `true` (reads): a sign-in or the payment credential it paid
   * with; `'sign-in'` (writes): only a fresh, single-use signed message (see AgentProofs).
   */
  agentProof?: true | 'sign-in';
  /**
   * Free to call without a key where agents can pay (a payment rail is configured): nothing of an
   * account is read, and anonymous callers count in their address's bucket of keyless calls, apart from
   * its other limits, whichever transport carries them.
   */
  keyless?: boolean;
  /** Honours the Idempotency-Key header. */
  idempotency?: 'optional';
  rateLimit?: RateLimitClass;
  /** Audit action written in the same transaction as the change. */
  audit?: string;
  /** Removes or revokes something (MCP destructiveHint). */
  destructive?: boolean;
  successStatus?: 200 | 201;
  /** Error codes this operation can answer with beyond the ones every operation shares. */
  errors?: readonly ErrorCode[];
  /** Params, query and body merged; which is which follows from the method and path. */
  input: I;
  output: O;
  /** The output is a page of `output` items with `meta.pagination`. */
  paginated?: boolean;
  handler: (ctx: OperationContext, input: z.output<I>) => Promise<HandlerResult<z.output<O>>>;
}

/** An operation with its types erased, as the registry holds it; the pipeline validates before calling. */
export interface Operation extends Omit<OperationDefinition<z.ZodObject, z.ZodType>, 'handler' | 'output'> {
  output: z.ZodType;
  handler: (ctx: OperationContext, input: unknown) => Promise<HandlerResult<unknown>>;
}

export function defineOperation<I extends z.ZodObject, O extends z.ZodType>(
  definition: OperationDefinition<I, O>,
): Operation {
  return definition as unknown as Operation;
}

/** Whether an operation changes state (and so runs in a transaction with its audit row). */
export function isMutation(operation: Pick<Operation, 'method'>): boolean {
  return operation.method !== 'GET';
}

/** Path parameter names of an express-style path. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1] as string);
}

/** An operation agents may pay for, with what the payment buys. */
export type PayableOperation = Operation & { payment: PaymentTerms };

export function isPayable(operation: Operation): operation is PayableOperation {
  return operation.payment !== undefined;
}
