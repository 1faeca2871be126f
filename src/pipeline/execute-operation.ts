/**
 * The request pipeline shared by every transport: authenticate → rate limit → scope → validate →
 * idempotency → handler (in a transaction with its audit row and stored response for writes) →
 * response. It never throws: every outcome is a status, headers and an envelope body.
 */

import { DrizzleQueryError } from 'drizzle-orm';
import { hasScope, type Principal, principalKey } from '../domain/principal.ts';
import { ApiError, errorBody, serializeErrorBody } from '../errors/api-error.ts';
import { errorFields } from '../logger.ts';
import type { Operation } from '../operations/define-operation.ts';
import type { Services } from '../services.ts';
import { authenticate, BEARER_CHALLENGE } from './authenticate.ts';
import {
  claimIdempotencyKey,
  completeIdempotencyKey,
  type IdempotencyClaim,
  requestHash,
  validateIdempotencyKey,
} from './idempotency.ts';
import type { OperationRequest, OperationResponse } from './operation-io.ts';
import { enforceRateLimit, type RateLimitState, withRateLimitHeaders } from './rate-limit/limits.ts';
import { runHandler } from './run-handler.ts';
import { validateInput } from './validate-input.ts';

function checkAccess(operation: Operation, principal: Principal): void {
  if (principal.kind === 'anonymous') {
    throw new ApiError('APIKEY_001', 'missing API key: send Authorization: Bearer is_live_…', {
      headers: { 'WWW-Authenticate': BEARER_CHALLENGE },
    });
  }
  if (operation.scope !== 'none' && !hasScope(principal, operation.scope)) {
    throw new ApiError('APIKEY_004', `API key missing required scope: ${operation.scope}`);
  }
}

/** The Idempotency-Key was completed before: its transaction is left and the stored answer given. */
class AnsweredBefore extends Error {
  constructor(readonly response: OperationResponse) {
    super('answered from the stored response');
  }
}

/**
 * The rate-limit subject of an address's free keyless calls (quotes), over REST and MCP alike: a bucket
 * of their own, so asking prices neither uses up nor waits on what the address may otherwise do.
 */
const keylessBucket = (ip: string): string => `keyless:${ip}`;

/** Agents pay for every payable call: anonymous callers and keys issued to an agent identity. */
function paysPerCall(principal: Principal): boolean {
  return principal.kind === 'anonymous' || (principal.kind === 'key' && principal.agentIdentityId !== null);
}

export async function executeOperation(
  services: Services,
  operation: Operation,
  request: OperationRequest,
): Promise<OperationResponse> {
  const counted: Counted = { rateLimit: undefined };
  let response: OperationResponse;
  try {
    response = await answer(services, operation, request, counted);
  } catch (error) {
    response = errorResponse(services, error, request.requestId, operation.id);
  }
  // Every answer after the caller's limit was counted says where it stands, whichever path gave it.
  return withRateLimitHeaders(response, counted.rateLimit);
}

/** What the pipeline learnt before the answer, for the headers every answer carries. */
interface Counted {
  /** The caller's tightest bucket, once its request was counted (and not over any limit). */
  rateLimit: RateLimitState | undefined;
}

async function answer(
  services: Services,
  operation: Operation,
  request: OperationRequest,
  counted: Counted,
): Promise<OperationResponse> {
  const now = services.clock();
  let principal: Principal;
  try {
    principal = await authenticate(services, request.header('authorization'), now);
  } catch (error) {
    // Failed attempts count against the caller's address, so keys cannot be guessed at full speed.
    await enforceRateLimit(services.rateLimits, `ip:${request.ip}`, undefined, now.getTime());
    throw error;
  }
  const free =
    operation.keyless === true && principal.kind === 'anonymous' && services.payments !== undefined;
  counted.rateLimit = await enforceRateLimit(
    services.rateLimits,
    free ? keylessBucket(request.ip) : principalKey(principal, request.ip),
    operation.rateLimit,
    now.getTime(),
  );
  // Counted against the address before any proof is checked, so proofs cannot be tried at full speed.
  const proven =
    operation.agentProof !== undefined && principal.kind === 'anonymous' && services.payments
      ? await services.payments.identify(request, operation.agentProof === 'sign-in' ? 'sign-in' : 'any')
      : undefined;
  if (proven) principal = proven;
  request.onAuthenticated?.(principalKey(principal, request.ip));
  const paying = operation.payment !== undefined && services.payments !== undefined && paysPerCall(principal);
  if (!paying && !free) checkAccess(operation, principal);
  const input = validateInput(operation, request);
  if (paying && services.payments) {
    return await services.payments.handle({ services, operation, input, request, principal, now });
  }

  const idempotencyKey = operation.idempotency ? request.header('idempotency-key') : undefined;
  const base = { principal, requestId: request.requestId, services, now };
  if (idempotencyKey === undefined) return (await runHandler(services, operation, input, base)).response;
  // The key is claimed in the operation's own transaction: it commits with the work or not at all.
  const scope = {
    principal: principalKey(principal, request.ip),
    operationId: operation.id,
    key: validateIdempotencyKey(idempotencyKey),
  };
  let claim: IdempotencyClaim | undefined;
  try {
    const { response } = await runHandler(services, operation, input, base, {
      before: async (tx) => {
        const claimed = await claimIdempotencyKey(tx, services.sealer, scope, requestHash(input), now);
        if (claimed.kind === 'replay') throw new AnsweredBefore(claimed.response);
        claim = claimed;
        return undefined;
      },
      after: (tx, run) =>
        completeIdempotencyKey(tx, services.sealer, claim as IdempotencyClaim, run.response),
    });
    return response;
  } catch (error) {
    if (error instanceof AnsweredBefore) return error.response;
    throw error;
  }
}

/**
 * A database failure that reached the top (drizzle's wrapper, or the driver's own error): its SQLSTATE
 * and message only. drizzle's message is the whole statement with its parameters, which may hold what a
 * caller sent (keys, personal data): it never goes to the log.
 */
function databaseFailure(error: unknown): { sqlState: string; error: string } | undefined {
  const failure = error instanceof DrizzleQueryError ? error.cause : error;
  if (!(failure instanceof Error) || (failure as { name?: string }).name !== 'PostgresError') {
    return error instanceof DrizzleQueryError ? { sqlState: 'unknown', error: 'query failed' } : undefined;
  }
  return { sqlState: String((failure as { code?: unknown }).code ?? 'unknown'), error: failure.message };
}

export function errorResponse(
  services: Pick<Services, 'logger'>,
  error: unknown,
  requestId: string,
  operationId?: string,
): OperationResponse {
  const database = error instanceof ApiError ? undefined : databaseFailure(error);
  const apiError =
    error instanceof ApiError
      ? error
      : new ApiError(database ? 'SERVER_006' : 'SERVER_001', undefined, { cause: error });
  if (apiError.status >= 500) {
    services.logger.error('operation failed', {
      requestId,
      operationId,
      code: apiError.code,
      ...(database ?? errorFields(error)),
    });
  }
  return {
    status: apiError.status,
    headers: apiError.headers,
    body: errorBody(apiError, requestId),
    text: serializeErrorBody(apiError, requestId),
  };
}
