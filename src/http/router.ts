/**
 * The REST surface of the registry as one express middleware: looks the request up in the route table,
 * parses a JSON body only for operations that take one, runs the pipeline and writes its response.
 * Known paths called with another method get 405 with Allow; anything else falls through (404).
 */
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../errors/api-error.ts';
import { isMutation, type Operation } from '../operations/define-operation.ts';
import { errorResponse, executeOperation } from '../pipeline/execute-operation.ts';
import type { Services } from '../services.ts';
import { clientIp } from './client-ip.ts';
import { readJsonBody } from './middleware/json-body.ts';
import { requestIdOf } from './middleware/request-id.ts';
import { createRouteTable } from './route-table.ts';
import { send } from './send.ts';

function headerOf(req: Request) {
  return (name: string): string | undefined => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
}

/** The query of a URL without one (never written to). */
const NO_QUERY: Record<string, unknown> = Object.freeze({});

export function operationsRouter(services: Services, operations: readonly Operation[]) {
  const table = createRouteTable(operations);
  const limit = services.env.IRIS_BODY_LIMIT_BYTES;

  const run = async (
    req: Request,
    res: Response,
    operation: Operation,
    params: Record<string, string>,
    body: unknown,
  ) => {
    const response = await executeOperation(services, operation, {
      requestId: requestIdOf(res),
      ip: clientIp(req),
      header: headerOf(req),
      params,
      // express parses the query string on every read of req.query: only read it when there is one.
      query: req.url.includes('?') ? (req.query as Record<string, unknown>) : NO_QUERY,
      body,
    });
    send(res, response);
  };

  return function routeOperation(req: Request, res: Response, next: NextFunction): void {
    const match = table.match(req.method, req.path);
    if (!match) {
      const allowed = table.allowed(req.path);
      // The method is allowed here yet nothing matched (an undecodable parameter): not found, not 405.
      if (!allowed || req.method === 'OPTIONS' || allowed.includes(req.method)) {
        next();
        return;
      }
      const allow = allowed.join(', ');
      res.setHeader('Allow', allow);
      send(
        res,
        errorResponse(
          services,
          new ApiError('SERVER_004', `method not allowed; use ${allow}`),
          requestIdOf(res),
        ),
      );
      return;
    }
    if (!isMutation(match.operation)) {
      run(req, res, match.operation, match.params, undefined).catch(next);
      return;
    }
    readJsonBody(req, limit).then(
      (body) => run(req, res, match.operation, match.params, body).catch(next),
      (error: unknown) => send(res, errorResponse(services, error, requestIdOf(res))),
    );
  };
}
