/**
 * The HTTP front. Every request gets its id and CORS first; the REST routes generated from the registry
 * and /mcp then answer it straight from Node's request listener (no framework layers on the paths every
 * API call takes); an express app serves the rest — /health, /openapi.json, /llms.txt — and the iris
 * envelope for 404s and stray errors.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { mcpRouter } from '../../mcp/mcp-router.ts';
import { publicUrlOf } from '../env.ts';
import { ApiError } from '../errors/api-error.ts';
import { errorFields } from '../logger.ts';
import type { Operation } from '../operations/define-operation.ts';
import { operations as registry } from '../operations/registry.ts';
import { errorResponse } from '../pipeline/execute-operation.ts';
import type { Services } from '../services.ts';
import { llmsTxt } from './llms-txt.ts';
import { requestIdOf, startRequest } from './middleware/request-id.ts';
import { openApiDocument } from './openapi.ts';
import { pathOf } from './request-target.ts';
import { operationsRouter } from './router.ts';
import { send } from './send.ts';

/**
 * Answers a request whose handling failed with the iris envelope; when an answer had begun, or the error
 * answer cannot be written either, logs it and cuts the connection. Never throws: it is the last resort.
 */
export function failWith(services: Pick<Services, 'logger'>, res: ServerResponse, error: unknown): void {
  let failure = error;
  if (!res.headersSent) {
    try {
      send(res, errorResponse(services, error, requestIdOf(res)));
      return;
    } catch (unwritable) {
      failure = unwritable;
    }
  }
  services.logger.error('request failed and could not be answered', {
    requestId: requestIdOf(res),
    ...errorFields(failure),
  });
  res.destroy();
}

/** The documents and the fallbacks, in express. */
function documentsApp(services: Services, operations: readonly Operation[]): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const publicUrl = publicUrlOf(services.env);
  const openApiJson = JSON.stringify(openApiDocument(operations, publicUrl));
  const llms = llmsTxt(operations);

  app.get('/health', async (_req: Request, res: Response) => {
    try {
      await services.database.ping();
      send(res, {
        status: 200,
        headers: { 'Cache-Control': 'no-store' },
        body: {
          success: true,
          data: { status: 'ok', database: { kind: services.database.kind, status: 'ok' } },
        },
      });
    } catch (error) {
      send(
        res,
        errorResponse(
          services,
          new ApiError('SERVER_009', 'database unavailable', { cause: error }),
          requestIdOf(res),
        ),
      );
    }
  });
  app.get('/openapi.json', (_req: Request, res: Response) => {
    res.type('application/json').send(openApiJson);
  });
  app.get('/llms.txt', (_req: Request, res: Response) => {
    res.type('text/plain; charset=utf-8').send(llms);
  });

  app.use((req: IncomingMessage, res: ServerResponse) => {
    send(
      res,
      errorResponse(
        services,
        new ApiError('SERVER_003', `no route for ${req.method} ${pathOf(req.url ?? '/')}`),
        requestIdOf(res),
      ),
    );
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    failWith(services, res, error);
  });
  return app;
}

export function createRequestListener(
  services: Services,
  operations: readonly Operation[] = registry,
): RequestListener {
  const routeOperation = operationsRouter(services, operations);
  const mcpEndpoint = mcpRouter(services, operations);
  const documents = documentsApp(services, operations);
  return (req, res) => {
    try {
      // A CORS preflight is answered there and then.
      if (startRequest(req, res)) return;
      // /mcp first: one comparison for a REST request, where the route table would look for /mcp's
      // allowed methods among all its patterns before giving up on it.
      mcpEndpoint(req, res, (failure?: unknown) => {
        if (failure !== undefined) {
          failWith(services, res, failure);
          return;
        }
        routeOperation(req, res, (error?: unknown) => {
          if (error !== undefined) failWith(services, res, error);
          else documents(req, res);
        });
      });
    } catch (error) {
      // As express would: a handler that throws gets the error envelope, the process lives on.
      failWith(services, res, error);
    }
  };
}
