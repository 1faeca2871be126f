/**
 * How the dashboard acts: every read and write is an operation of the registry run in-process through
 * the pipeline (executeOperation), as the MCP server does, with the session's API key as the bearer. So
 * a page has the key's principal, scopes, rate limits, idempotency and audit, and no path of its own to
 * the database.
 */
import { newRequestId } from '../http/middleware/request-id.ts';
import { isMutation, type Operation, pathParams } from '../operations/define-operation.ts';
import { operations } from '../operations/registry.ts';
import { executeOperation } from '../pipeline/execute-operation.ts';
import type { Services } from '../services.ts';

const byId = new Map<string, Operation>(operations.map((operation) => [operation.id, operation]));

export interface CallSuccess<T> {
  ok: true;
  status: number;
  data: T;
  nextCursor: string | null;
}

export interface CallFailure {
  ok: false;
  status: number;
  code: string;
  message: string;
  requestId: string;
}

export type CallResult<T> = CallSuccess<T> | CallFailure;

/** Runs operations as one session's key, for one dashboard request. */
export type CallOperation = <T>(
  operationId: string,
  args?: Record<string, unknown>,
  options?: { idempotencyKey?: string },
) => Promise<CallResult<T>>;

/** Codes meaning the key no longer authenticates: the session ends with them. */
export const KEY_ENDED_CODES: ReadonlySet<string> = new Set(['APIKEY_001', 'APIKEY_002', 'APIKEY_003']);

interface Envelope {
  success?: boolean;
  data?: unknown;
  meta?: { pagination?: { next_cursor?: string | null } };
  error?: { code?: string; message?: string; requestId?: string };
}

export function operationCaller(
  services: Services,
  apiKey: string,
  request: { ip: string; requestId: string },
): CallOperation {
  let nextRequestId: string | undefined = request.requestId;
  return async <T>(
    operationId: string,
    args: Record<string, unknown> = {},
    options: { idempotencyKey?: string } = {},
  ): Promise<CallResult<T>> => {
    const operation = byId.get(operationId);
    if (!operation) throw new Error(`no operation ${operationId}`);
    const names = new Set(pathParams(operation.path));
    const params: Record<string, string> = {};
    const rest: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(args)) {
      if (value === undefined) continue;
      if (names.has(name)) params[name] = String(value);
      else rest[name] = value;
    }
    const headers: Record<string, string> = { authorization: `Bearer ${apiKey}` };
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const requestId = nextRequestId ?? newRequestId();
    nextRequestId = undefined;
    const response = await executeOperation(services, operation, {
      requestId,
      ip: request.ip,
      header: (name) => headers[name],
      params,
      query: isMutation(operation) ? {} : rest,
      body: isMutation(operation) ? rest : undefined,
    });
    const body = response.body as Envelope;
    if (response.status < 300 && body.success) {
      return {
        ok: true,
        status: response.status,
        data: body.data as T,
        nextCursor: body.meta?.pagination?.next_cursor ?? null,
      };
    }
    return {
      ok: false,
      status: response.status,
      code: body.error?.code ?? 'SERVER_001',
      message: body.error?.message ?? 'request failed',
      requestId: body.error?.requestId ?? requestId,
    };
  };
}
