/**
 * The one error class of iris. It carries a catalogue code; status and default message come from the
 * catalogue, so every transport renders the same `{code, message, requestId}`.
 */
import { ERROR_CATALOGUE, type ErrorCode } from './catalogue.ts';

export interface ApiErrorOptions {
  /** Extra response headers (Retry-After, WWW-Authenticate, payment challenges). */
  headers?: Record<string, string>;
  /** Extra top-level body fields next to `error` (e.g. retryAfter on 429, x402 on 402). */
  extra?: Record<string, unknown>;
  cause?: unknown;
}

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;

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

/** The envelope as JSON: the plain serialization, whatever the message or fields hold. */
export function serializeErrorBody(error: ApiError, requestId: string): string {
  return JSON.stringify(errorBody(error, requestId));
}
