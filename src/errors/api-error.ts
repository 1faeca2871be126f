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

/** The text around an error's request id in its serialized body, kept per error (a reused 402 challenge). */
const serializedParts = new WeakMap<ApiError, readonly [string, string]>();

function partsOf(error: ApiError): readonly [string, string] {
  let parts = serializedParts.get(error);
  if (!parts) {
    const marker = '\u0000';
    const head = JSON.stringify({
      success: false,
      error: { code: error.code, message: error.message, requestId: marker },
    });
    const [before = '', after = ''] = head.split(JSON.stringify(marker));
    const extra = Object.keys(error.extra).length > 0 ? JSON.stringify(error.extra) : '';
    // errorBody spreads the extra fields after `success` and `error`: the same keys, in the same order.
    parts = [before, extra ? `${after.slice(0, -1)},${extra.slice(1)}` : after];
    serializedParts.set(error, parts);
  }
  return parts;
}

/** JSON.stringify(errorBody(error, requestId)), without serializing the same error's fields again. */
export function serializeErrorBody(error: ApiError, requestId: string): string {
  if ('success' in error.extra || 'error' in error.extra) return JSON.stringify(errorBody(error, requestId));
  const [before, after] = partsOf(error);
  return `${before}${JSON.stringify(requestId)}${after}`;
}
