/**
 * Runs an operation's handler the way every transport and payment rail needs it: writes inside one
 * transaction together with the audit row and whatever the caller adds (a stored idempotent response,
 * a payment reservation), then the after-commit hooks.
 */
import type { Db } from '../../db/client.ts';
import { together } from '../../db/together.ts';
import type { HandlerResult, Operation, OperationContext } from '../operations/define-operation.ts';
import { isMutation } from '../operations/define-operation.ts';
import type { Services } from '../services.ts';
import { writeAudit } from './audit.ts';
import type { StoredResponse } from './operation-io.ts';

export interface HandlerRun {
  result: HandlerResult<unknown>;
  response: StoredResponse;
}

export type ContextBase = Omit<OperationContext, 'db' | 'afterCommit'>;

export function successResponse(operation: Operation, result: HandlerResult<unknown>): StoredResponse {
  return {
    status: operation.successStatus ?? 200,
    headers: result.headers ?? {},
    body: result.meta
      ? { success: true, data: result.data, meta: result.meta }
      : { success: true, data: result.data },
  };
}

function idOf(data: unknown): string | null {
  if (data && typeof data === 'object' && 'id' in data && typeof data.id === 'string') return data.id;
  return null;
}

export interface RunHooks {
  /** In the transaction, before the handler: may claim something and refine the context (e.g. principal). */
  before?: (tx: Db) => Promise<Partial<ContextBase> | undefined>;
  /** In the transaction, after the handler and its audit row. */
  after?: (tx: Db, run: HandlerRun) => Promise<void>;
}

export async function runHandler(
  services: Services,
  operation: Operation,
  input: unknown,
  base: ContextBase,
  hooks: RunHooks = {},
): Promise<HandlerRun> {
  const committed: (() => void)[] = [];
  const run = async (db: Db): Promise<HandlerRun> => {
    const refined = hooks.before ? { ...base, ...(await hooks.before(db)) } : base;
    const ctx: OperationContext = { ...refined, db, afterCommit: (hook) => committed.push(hook) };
    const result = await operation.handler(ctx, input);
    const handled: HandlerRun = { result, response: successResponse(operation, result) };
    // The audit row and the caller's additions do not depend on each other: sent together.
    await together(
      operation.audit
        ? writeAudit(db, {
            action: operation.audit,
            operationId: operation.id,
            requestId: refined.requestId,
            principal: refined.principal,
            resourceId: result.resourceId ?? idOf(result.data),
            metadata: result.auditMetadata ?? {},
            at: refined.now,
          })
        : Promise.resolve(),
      hooks.after ? hooks.after(db, handled) : Promise.resolve(),
    );
    return handled;
  };
  const handled = isMutation(operation)
    ? await services.db.transaction((tx) => run(tx))
    : await run(services.db);
  for (const hook of committed) hook();
  return handled;
}
