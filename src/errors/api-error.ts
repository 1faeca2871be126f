/**
 * The one error class of iris. It carries a catalogue code; status and default message come from the
 * catalogue, so every transport renders the same `{code, message, requestId}`.
 */
import { randomUUID } from 'node:crypto';
import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.ts';

export interface ApiErrorOptions {
  /** Extra response headers (Retry-After, WWW-Authenticate, payment challenges). */
  headers?: Record<string, string>;
  /** Extra top-level body fields next to `error` (e.g. retryAfter on 429, x402 on 402). */
  extra?: Record<string, unknown>;
  cause?: unknown;
}

/** Stands for the request id in an envelope serialized once: no message or field holds it. */
const REQUEST_ID_SLOT = JSON.stringify(`\u0000request-id-${randomUUID()}`);

/** An ApiError is not changed once thrown: a cached one (a 402 challenge) answers many requests. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;
  /** The serialized envelope before and after the request id, made at the first answer. */
  #envelope: readonly [string, string] | undefined;

  constructor(code: ErrorCode, message?: string, options: ApiErrorOptions = {}) {
    // An ApiError is an expected answer, not a bug: skip the stack trace (it costs on every 4xx); the
    // cause, when there is one, keeps its own.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message ?? ERROR_CATALOGUE[code].message, { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'ApiError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    this.headers = options.headers ?? {};
    this.extra = options.extra ?? {};
  }

  /** The envelope as JSON: the plain serialization, whatever the message or fields hold. */
  serialize(requestId: string): string {
    if (this.#envelope === undefined) {
      const text = JSON.stringify(errorBody(this, JSON.parse(REQUEST_ID_SLOT)));
      const at = text.indexOf(REQUEST_ID_SLOT);
      // Extra fields replacing `error` would leave no slot: such an envelope is serialized every time.
      if (at < 0) return JSON.stringify(errorBody(this, requestId));
      this.#envelope = [text.slice(0, at), text.slice(at + REQUEST_ID_SLOT.length)];
    }
    return this.#envelope[0] + JSON.stringify(requestId) + this.#envelope[1];
  }
}

export interface ErrorBody {
  success: false;
  error: { code: ErrorCode; message: string; requestId: string };
  [extra: string]: unknown;
}

export function errorBody(error: ApiError, requestId: string): ErrorBody {
  return {
    success: false,
    error: { code: error.code, message: error.message, requestId },
    ...error.extra,
  };
}

/** The envelope as JSON; see ApiError.serialize. */
export function serializeErrorBody(error: ApiError, requestId: string): string {
  return error.serialize(requestId);
}
