/**
 * The request pipeline shared by every transport: authenticate → rate limit → scope → validate →
 * idempotency → handler (in a transaction with its audit row and stored response for writes) →
 * response. It never throws: every outcome is a status, headers and an envelope body.
 */

import { hasScope, type Principal, principalKey } from '../domain/principal.ts';
import { ApiError, errorBody } from '../errors/api-error.ts';
import { errorFields } from '../logger.ts';
import { isMutation, type Operation, type OperationContext } from '../operations/define-operation.ts';
import type { Services } from '../services.ts';
import { writeAudit } from './audit.ts';
import { authenticate, BEARER_CHALLENGE } from './authenticate.ts';
import {
  type ClaimResult,
  claimIdempotencyKey,
  completeIdempotencyKey,
  releaseIdempotencyKey,
  requestHash,
  type StoredResponse,
  validateIdempotencyKey,
} from './idempotency.ts';
import { enforceRateLimit } from './rate-limit/limits.ts';
import { type RawInput, validateInput } from './validate-input.ts';

export interface OperationRequest extends RawInput {
  requestId: string;
  ip: string;
  /** Header lookup by lower-case name. */
  header: (name: string) => string | undefined;
}

export type OperationResponse = StoredResponse;

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

export async function executeOperation(
  services: Services,
  operation: Operation,
  request: OperationRequest,
): Promise<OperationResponse> {
  const now = services.clock();
  let claim: { id: string; token: string } | undefined;
  try {
    const principal = await authenticate(services, request.header('authorization'), now).catch(
      async (error: unknown) => {
        // Failed attempts count against the caller's address, so keys cannot be guessed at full speed.
        await enforceRateLimit(services.rateLimits, `ip:${request.ip}`, undefined, now.getTime());
        throw error;
      },
    );
    await enforceRateLimit(
      services.rateLimits,
      principalKey(principal, request.ip),
      operation.rateLimit,
      now.getTime(),
    );
    checkAccess(operation, principal);
    const input = validateInput(operation, request);

    const idempotencyKey = operation.idempotency ? request.header('idempotency-key') : undefined;
    if (idempotencyKey !== undefined) {
      const result: ClaimResult = await claimIdempotencyKey(
        services.db,
        services.sealer,
        {
          principal: principalKey(principal, request.ip),
          operationId: operation.id,
          key: validateIdempotencyKey(idempotencyKey),
        },
        requestHash(input),
        now,
      );
      if (result.kind === 'replay') {
        return {
          ...result.response,
          headers: { ...result.response.headers, 'Idempotent-Replayed': 'true' },
        };
      }
      claim = result;
    }

    const committed: (() => void)[] = [];
    const context: OperationContext = {
      db: services.db,
      principal,
      requestId: request.requestId,
      services,
      now,
      afterCommit: (hook) => committed.push(hook),
    };
    const run = async (ctx: OperationContext): Promise<OperationResponse> => {
      const result = await operation.handler(ctx, input);
      const response: OperationResponse = {
        status: operation.successStatus ?? 200,
        headers: result.headers ?? {},
        body: result.meta
          ? { success: true, data: result.data, meta: result.meta }
          : { success: true, data: result.data },
      };
      if (operation.audit) {
        await writeAudit(ctx.db, {
          action: operation.audit,
          operationId: operation.id,
          requestId: request.requestId,
          principal,
          resourceId: result.resourceId ?? idOf(result.data),
          metadata: result.auditMetadata ?? {},
          at: now,
        });
      }
      if (claim) await completeIdempotencyKey(ctx.db, services.sealer, claim, response);
      return response;
    };
    const response = isMutation(operation)
      ? await services.db.transaction((tx) => run({ ...context, db: tx }))
      : await run(context);
    claim = undefined;
    for (const hook of committed) hook();
    return response;
  } catch (error) {
    if (claim) {
      await releaseIdempotencyKey(services.db, claim).catch((releaseError: unknown) =>
        services.logger.error('idempotency release failed', errorFields(releaseError)),
      );
    }
    return errorResponse(services, error, request.requestId, operation.id);
  }
}

function idOf(data: unknown): string | null {
  if (data && typeof data === 'object' && 'id' in data && typeof data.id === 'string') return data.id;
  return null;
}

export function errorResponse(
  services: Pick<Services, 'logger'>,
  error: unknown,
  requestId: string,
  operationId?: string,
): OperationResponse {
  const apiError =
    error instanceof ApiError ? error : new ApiError('SERVER_001', undefined, { cause: error });
  if (apiError.status >= 500) {
    services.logger.error('operation failed', {
      requestId,
      operationId,
      code: apiError.code,
      ...errorFields(error),
    });
  }
  return { status: apiError.status, headers: apiError.headers, body: errorBody(apiError, requestId) };
}
