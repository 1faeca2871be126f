/**
 * The express routes of the REST API, generated from the operation registry: one route per operation,
 * then 405 (with Allow) for known paths called with another method.
 */
import { type Request, type Response, Router } from 'express';
import { ApiError } from '../errors/api-error.ts';
import type { Operation } from '../operations/define-operation.ts';
import { errorResponse, executeOperation } from '../pipeline/execute-operation.ts';
import type { Services } from '../services.ts';
import { requestIdOf } from './middleware/request-id.ts';
import { send } from './send.ts';

function headerOf(req: Request) {
  return (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
}

export function operationHandler(services: Services, operation: Operation) {
  return async function handleOperation(req: Request, res: Response): Promise<void> {
    const response = await executeOperation(services, operation, {
      requestId: requestIdOf(res),
      ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      header: headerOf(req),
      params: req.params as Record<string, string>,
      query: req.query as Record<string, unknown>,
      body: req.body,
    });
    send(res, response);
  };
}

export function operationsRouter(services: Services, operations: readonly Operation[]): Router {
  const router = Router({ strict: false, caseSensitive: true });
  const methodsByPath = new Map<string, Set<string>>();
  for (const operation of operations) {
    const method = operation.method.toLowerCase() as 'get' | 'post' | 'patch' | 'put' | 'delete';
    router[method](operation.path, operationHandler(services, operation));
    const methods = methodsByPath.get(operation.path) ?? new Set<string>();
    methods.add(operation.method);
    if (operation.method === 'GET') methods.add('HEAD');
    methodsByPath.set(operation.path, methods);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods, 'OPTIONS'].join(', ');
    router.all(path, (_req: Request, res: Response) => {
      res.setHeader('Allow', allow);
      send(
        res,
        errorResponse(
          services,
          new ApiError('SERVER_004', `method not allowed; use ${allow}`),
          requestIdOf(res),
        ),
      );
    });
  }
  return router;
}
