/**
 * The service container and the ports it holds: types only. Operations, the pipeline and the transports
 * depend on these; the adapters behind them (payment rails, stores) are chosen and built by the
 * composition root (compose.ts), so nothing here imports an implementation.
 */
import type { Database, Db } from '../db/client.ts';
import type { Sealer } from './crypto/sealer.ts';
import type { Price } from './domain/pricing.ts';
import type { AgentPrincipal, Principal } from './domain/principal.ts';
import type { Env } from './env.ts';
import type { ApiError } from './errors/api-error.ts';
import type { ErrorCode } from './errors/catalogue.ts';
import type { AiPort } from './integrations/ai/ai-port.ts';
import type { Channels } from './integrations/channels/channel-port.ts';
import type { DiscoveryPort } from './integrations/discovery/discovery-port.ts';
import type { Logger } from './logger.ts';
import type { KeyCache } from './pipeline/key-cache.ts';
import type { OperationRequest, OperationResponse } from './pipeline/operation-io.ts';
import type { RateLimitStore } from './pipeline/rate-limit/store.ts';

export interface Services {
  env: Env;
  database: Database;
  db: Db;
  logger: Logger;
  rateLimits: RateLimitStore;
  /** API key records by hash, kept current by the api_keys change feed. */
  keyCache: KeyCache;
  /** Encrypts secrets at rest (stored responses carrying raw keys). */
  sealer: Sealer;
  /** The AI provider (analysis; the deterministic offline analyzer unless another is configured). */
  ai: AiPort;
  /** Where contacts are discovered (Apify when APIFY_TOKEN is set; the built-in sample source always). */
  discovery: DiscoveryPort;
  /** How messages leave: email over SMTP when SMTP_URL is set, the local outbox otherwise. */
  channels: Channels;
  /** Current time; tests may move it. */
  clock: () => Date;
  /** The internal user that owns agent campaigns (created by the first-start bootstrap). */
  systemUserId: string;
  /** The 402 gateway of payable operations; absent when no payment rail is configured. */
  payments?: PaymentGateway;
  /** Card refunds through Stripe; present with the MPP rail. */
  cardRefunds?: CardRefunds;
  /** Background jobs: the in-process worker or the QStash publisher (JOBS_DRIVER). */
  jobs: Jobs;
  /** What every rail this server knows adds to CORS, the documents and MCP, configured or not. */
  railWires: readonly RailWire[];
  /** Stops background work; run before the database closes. */
  onClose: (() => Promise<void>)[];
}

/** A job as its handler sees it (the row written by `enqueue`, claimed for this attempt). */
export interface JobRecord {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  /** This attempt's number, from 1. */
  attempts: number;
}

/** What a job handler runs with. */
export interface JobContext {
  /** The attempt's transaction, which also marks the job done: the handler's writes commit with it, once. */
  db: Db;
  services: Services;
  job: JobRecord;
  now: Date;
  /** Aborted when the attempt is given up (lease over, or the server stopping past its drain). */
  signal: AbortSignal;
}

/** Runs one kind of job; a throw fails the attempt (retried with backoff, then `failed`). */
export type JobHandler = (ctx: JobContext) => Promise<void>;

/** Job kind → its handler. */
export type JobHandlers = Readonly<Record<string, JobHandler>>;

/** How a job's run ended, as the run-one-job function reports it. */
export type JobRunResult =
  | { outcome: 'done' }
  | { outcome: 'retry'; error: string; retryAt: Date }
  | { outcome: 'failed'; error: string }
  /** Another worker holds or took the job (its lease ran out): this attempt's effects rolled back. */
  | { outcome: 'lost' }
  /** Nothing was run: the job is done, failed, held by another worker under a live lease, or unknown. */
  | { outcome: 'skipped'; state: 'done' | 'failed' | 'running' | 'missing' };

/** A QStash delivery of a job to `POST /internal/jobs/:id`, as it arrived. */
export interface JobDelivery {
  id: string;
  /** The Upstash-Signature header. */
  signature: string | undefined;
  /** The raw request body. */
  body: string;
  /** The URL QStash was asked to call (the public URL and the request's path). */
  url: string;
}

/** The answer to a QStash delivery. */
export interface JobDeliveryAnswer {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** Port: background jobs. */
export interface Jobs {
  readonly driver: 'local' | 'qstash';
  /** Starts the worker (local) or the publisher (qstash); the HTTP server calls it once it listens. */
  start(): Promise<void>;
  /** Stops taking work and waits for running jobs up to the drain, then gives the others back. Idempotent. */
  stop(): Promise<void>;
  /**
   * local: claims and runs every due job until none is left; qstash: publishes every due job. Resolves
   * with how many (tests, the bench).
   */
  runDue(): Promise<number>;
  /** Claims and runs one job now, whatever its kind (an unknown kind fails its attempt). */
  runJob(id: string): Promise<JobRunResult>;
  /** qstash: verifies a delivery's signature, then runs its job. */
  deliver?(delivery: JobDelivery): Promise<JobDeliveryAnswer>;
}

/** A call of a payable operation by a caller who pays for it (an agent), as the pipeline hands it over. */
export interface PaymentCall {
  services: Services;
  operation: { readonly id: string };
  /** Validated input. */
  input: unknown;
  request: OperationRequest;
  /** Anonymous, or an agent identity's API key (which still pays per call). */
  principal: Principal;
  now: Date;
}

/** Port: the 402 gateway, which offers every configured payment rail and runs paid calls through them. */
export interface PaymentGateway {
  /** The configured rails, in the order they are asked whether a call is theirs. */
  readonly rails: readonly { readonly name: string }[];
  /** Runs a paid call through the rail whose credential it carries, or answers the 402 challenge. */
  handle(call: PaymentCall): Promise<OperationResponse>;
  /** A 402 challenge of an operation: PAYMENT_001 by default, or another payment code and message. */
  paymentRequired(operation: { readonly id: string }, code?: ErrorCode, message?: string): Promise<ApiError>;
  /** The agent a request proves to be without paying, by a proof `proofs` allows, if any rail can tell. */
  identify(request: OperationRequest, proofs: AgentProofs): Promise<AgentPrincipal | undefined>;
  close(): Promise<void>;
}

/**
 * What may prove who an agent is on a call without a key. `any`: a sign-in, or the payment credential
 * the agent paid with (an x402 payment header, an MPP credential) shown again. `sign-in`: only a fresh,
 * single-use signed message (SIGN-IN-WITH-X), for writes: a payment credential passes through
 * intermediaries that could replay it for as long as it is kept, a sign-in works once and minutes long.
 */
export type AgentProofs = 'any' | 'sign-in';

/** Port: refunds of card payments (Stripe). */
export interface CardRefunds {
  /** Returns the refund's id. */
  refund(input: { paymentIntentId: string; amountCents: number; idempotencyKey: string }): Promise<string>;
}

/** What a rail needs to know of an operation to describe it (an Operation is one). */
export interface PaymentFacts {
  readonly payment?:
    | { readonly price: Price; readonly credits?: number; readonly deferred?: unknown }
    | undefined;
  readonly agentProof?: true | 'sign-in' | undefined;
}

/** Header lookup by lower-case name. */
export type HeaderLookup = (name: string) => string | undefined;

/**
 * What a payment rail adds to the wire surfaces, known without loading the rail (no payment libraries):
 * the headers browsers may send and read, its OpenAPI security scheme and answers, its llms.txt section,
 * and how MCP carries its credentials, receipts and challenges in `_meta`.
 */
export interface RailWire {
  name: string;
  /** Request headers that carry its credential (CORS Access-Control-Allow-Headers). */
  requestHeaders: readonly string[];
  /** Response headers it answers with (CORS Access-Control-Expose-Headers). */
  responseHeaders: readonly string[];
  openapi: {
    securityScheme: Record<string, unknown>;
    /** Whether an operation takes this rail's credential. */
    accepts(operation: PaymentFacts): boolean;
    /** Error codes an operation may answer with through this rail. */
    errorCodes(operation: PaymentFacts): readonly ErrorCode[];
    /** Headers of a success answer paid through this rail (OpenAPI header objects). */
    successHeaders: Record<string, unknown>;
    /** Other answers a paid call may get (OpenAPI response objects by status). */
    responses(operation: PaymentFacts): Record<string, unknown>;
  };
  /** Its llms.txt section, heading included. */
  llms: readonly string[];
  mcp: {
    /** One sentence of the server instructions: how a tool call pays through this rail. */
    howToPay: string;
    /** Request headers for the credential a tool call's `_meta` carries (lower-case names). */
    headersFromMeta(meta: Record<string, unknown>, hasBearer: boolean): Promise<Record<string, string>>;
    /** `_meta` entries (and structured fields) for the receipts an answer carries. */
    receipts(header: HeaderLookup): Record<string, unknown>;
    /** A 402's challenge as this rail's MCP clients look for it: structured fields and `_meta` entries. */
    challenge(
      header: HeaderLookup,
      status: number,
      message: string,
    ): Promise<{ structured: Record<string, unknown>; meta: Record<string, unknown> }>;
  };
}
