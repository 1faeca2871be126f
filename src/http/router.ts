/**
 * The REST surface of the registry, as express routes on the app: a route per path, with a handler per
 * operation method (the JSON body read only for operations that take one) running the pipeline with the
 * request's id, address (`req.ip`) and headers. A known path called with another method is answered 405
 * with Allow, and OPTIONS with 204 and Allow: every matching path's methods are gathered as express
 * routes the request, and answered once nothing took it.
 */
import type { Express, NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors/api-error.ts';
import { isMutation, type Operation } from '../operations/define-operation.ts';
import { errorResponse, executeOperation } from '../pipeline/execute-operation.ts';
import type { Services } from '../services.ts';
import { readJsonBody } from './middleware/json-body.ts';
import { requestIdOf } from './middleware/request-id.ts';
import { send } from './send.ts';

type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

function headerOf(req: Request) {
  return (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
}

/** The methods of the registered paths that matched the request, gathered while express routes it. */
const ALLOWED = Symbol('iris.allowedMethods');
type WithAllowed = Response & { [ALLOWED]?: Set<string> };

/** The route handler of an operation; a JSON body is read here, for operations that take one. */
function handlerOf(services: Services, operation: Operation) {
  const limit = services.env.IRIS_BODY_LIMIT_BYTES;
  const mutation = isMutation(operation);
  const run = (req: Request, res: Response, body: unknown) =>
    executeOperation(services, operation, {
      requestId: requestIdOf(res),
      ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      header: headerOf(req),
      params: req.params as Record<string, string>,
      query: req.query,
      body,
      onAuthenticated: (principal) => {
        res.locals.principal = principal;
      },
    }).then((response) => send(res, response));
  return function runOperation(req: Request, res: Response, next: NextFunction): void {
    res.locals.route = operation.id;
    if (mutation)
      readJsonBody(req, limit)
        .then((body) => run(req, res, body))
        .catch(next);
    else run(req, res, undefined).catch(next);
  };
}

/** Adds the registry's routes to `app`, then the 405 answer for known paths called with another method. */
export function mountOperations(app: Express, services: Services, operations: readonly Operation[]): void {
  const byPath = new Map<string, Operation[]>();
  for (const operation of operations)
    byPath.set(operation.path, [...(byPath.get(operation.path) ?? []), operation]);

  for (const [path, pathOperations] of byPath) {
    const route = app.route(path);
    const methods = new Set<string>();
    for (const operation of pathOperations) {
      const method = operation.method.toLowerCase() as Method;
      route[method](handlerOf(services, operation));
      methods.add(operation.method);
      if (operation.method === 'GET') methods.add('HEAD');
    }
    // Reached only when none of the path's methods took the request.
    route.all((_req: Request, res: WithAllowed, next: NextFunction) => {
      const allowed = res[ALLOWED] ?? new Set<string>();
      for (const method of methods) allowed.add(method);
      res[ALLOWED] = allowed;
      next();
    });
  }
  app.use((req: Request, res: WithAllowed, next: NextFunction) => {
    const allowed = res[ALLOWED];
    if (!allowed || allowed.has(req.method)) {
      next();
      return;
    }
    const allow = [...allowed, 'OPTIONS'].join(', ');
    res.setHeader('Allow', allow);
    if (req.method === 'OPTIONS') {
      // What the path allows, as advertised (a CORS preflight was answered before routing).
      res.statusCode = 204;
      res.end();
      return;
    }
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
