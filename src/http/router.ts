/**
 * The REST surface of the registry as an express Router: a route per operation (the JSON body parsed
 * only for operations that take one) running the pipeline with the request's id, address (`req.ip`,
 * proxies trusted from loopback) and headers. A known path called with another method is answered 405
 * with Allow: every path's methods are gathered as express matches it, and answered once nothing did.
 */
import express, { type Request, type Response, type Router } from 'express';
import { ApiError } from '../errors/api-error.ts';
import { isMutation, type Operation } from '../operations/define-operation.ts';
import { errorResponse, executeOperation } from '../pipeline/execute-operation.ts';
import type { Services } from '../services.ts';
import { jsonBody } from './middleware/json-body.ts';
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

export function operationsRouter(services: Services, operations: readonly Operation[]): Router {
  const router = express.Router({ caseSensitive: true });
  const json = jsonBody(services.env.IRIS_BODY_LIMIT_BYTES);
  const methodsByPath = new Map<string, Set<string>>();

  for (const operation of operations) {
    const run = (req: Request, res: Response, next: (error: unknown) => void) => {
      res.locals.route = operation.id;
      executeOperation(services, operation, {
        requestId: requestIdOf(res),
        ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
        header: headerOf(req),
        params: req.params as Record<string, string>,
        query: req.query,
        body: req.body,
        onAuthenticated: (principal) => {
          res.locals.principal = principal;
        },
      }).then((response) => send(res, response), next);
    };
    const method = operation.method.toLowerCase() as Method;
    if (isMutation(operation)) router[method](operation.path, json, run);
    else router[method](operation.path, run);
    const methods = methodsByPath.get(operation.path) ?? new Set<string>();
    methods.add(operation.method);
    if (operation.method === 'GET') methods.add('HEAD');
    methodsByPath.set(operation.path, methods);
  }

  for (const [path, methods] of methodsByPath) {
    router.all(path, (_req, res: WithAllowed, next) => {
      const allowed = res[ALLOWED] ?? new Set<string>();
      for (const method of methods) allowed.add(method);
      res[ALLOWED] = allowed;
      next();
    });
  }
  router.use((req, res: WithAllowed, next) => {
    const allowed = res[ALLOWED];
    if (!allowed || req.method === 'OPTIONS' || allowed.has(req.method)) {
      next();
      return;
    }
    const allow = [...allowed, 'OPTIONS'].join(', ');
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
  return router;
}
