/**
 * The REST surface of the registry, on Node's request and response: looks the request up in the route table,
 * parses a JSON body only for operations that take one, runs the pipeline and writes its response.
 * Known paths called with another method get 405 with Allow; anything else falls through (404).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../errors/api-error.ts';
import { isMutation, type Operation } from '../operations/define-operation.ts';
import { errorResponse, executeOperation } from '../pipeline/execute-operation.ts';
import type { Services } from '../services.ts';
import { clientIp } from './client-ip.ts';
import { readJsonBody } from './middleware/json-body.ts';
import { requestIdOf } from './middleware/request-id.ts';
import { pathOf, queryOf } from './request-target.ts';
import { createRouteTable } from './route-table.ts';
import { send } from './send.ts';

/** Called when the request is not a REST route (no argument) or its handling failed (the error). */
export type Next = (error?: unknown) => void;

function headerOf(req: IncomingMessage) {
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
    url: string,
    req: IncomingMessage,
    res: ServerResponse,
    operation: Operation,
    params: Record<string, string>,
    body: unknown,
  ) => {
    const response = await executeOperation(services, operation, {
      requestId: requestIdOf(res),
      ip: clientIp(req),
      header: headerOf(req),
      params,
      query: queryOf(url) ?? NO_QUERY,
      body,
    });
    send(res, response);
  };

  return function routeOperation(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    const path = pathOf(url);
    const match = table.match(method, path);
    if (!match) {
      const allowed = table.allowed(path);
      // The method is allowed here yet nothing matched (an undecodable parameter): not found, not 405.
      if (!allowed || method === 'OPTIONS' || allowed.includes(method)) {
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
      run(url, req, res, match.operation, match.params, undefined).catch(next);
      return;
    }
    readJsonBody(req, limit).then(
      (body) => run(url, req, res, match.operation, match.params, body).catch(next),
      next,
    );
  };
}
