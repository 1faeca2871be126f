/**
 * The express application: request ids, CORS, JSON bodies, the generated REST routes, the public
 * documents (/health, /openapi.json, /llms.txt), and the iris envelope for 404s and stray errors.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { mcpRouter } from '../../mcp/mcp-router.ts';
import { publicUrlOf } from '../env.ts';
import { ApiError } from '../errors/api-error.ts';
import type { Operation } from '../operations/define-operation.ts';
import { operations as registry } from '../operations/registry.ts';
import { errorResponse } from '../pipeline/execute-operation.ts';
import type { Services } from '../services.ts';
import { llmsTxt } from './llms-txt.ts';
import { requestIdOf, startRequest } from './middleware/request-id.ts';
import { openApiDocument } from './openapi.ts';
import { operationsRouter } from './router.ts';
import { send } from './send.ts';

export function createApp(services: Services, operations: readonly Operation[] = registry): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // clientIp() (client-ip.ts) gives the caller's address under this same rule without ipaddr.js.
  app.set('trust proxy', 'loopback');
  // One layer for what every request needs first and the REST routes (most requests end there).
  const routeOperation = operationsRouter(services, operations);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!startRequest(req, res)) routeOperation(req, res, next);
  });
  // After the REST routes: /mcp is not a registry path, so REST requests never pass this layer.
  app.use(mcpRouter(services, operations));

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

  app.use((req: Request, res: Response) => {
    send(
      res,
      errorResponse(
        services,
        new ApiError('SERVER_003', `no route for ${req.method} ${req.path}`),
        requestIdOf(res),
      ),
    );
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    send(res, errorResponse(services, error, requestIdOf(res)));
  });
  return app;
}
