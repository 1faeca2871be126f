/**
 * The HTTP front: one express app. Every request gets its id and CORS first, and a log line when it is
 * answered; then /mcp, the REST routes
 * generated from the registry, /health and the documents (/openapi.json, /llms.txt); anything else is a
 * 404 in the iris envelope, and a failure anywhere becomes the iris error envelope.
 */
import type { ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { mountMcp } from '../../mcp/mcp-router.ts';
import { mountDashboard } from '../dashboard/mount.ts';
import { publicUrlOf } from '../env.ts';
import { ApiError } from '../errors/api-error.ts';
import { errorFields } from '../logger.ts';
import type { Operation } from '../operations/define-operation.ts';
import { operations as registry } from '../operations/registry.ts';
import { errorResponse } from '../pipeline/execute-operation.ts';
import type { Services } from '../services.ts';
import { mountInbound } from './inbound.ts';
import { llmsTxt } from './llms-txt.ts';
import { isLoopback } from './loopback.ts';
import { corsFor } from './middleware/cors.ts';
import { requestContext } from './middleware/request-context.ts';
import { requestIdOf } from './middleware/request-id.ts';
import { mountOpenPixel } from './open-pixel.ts';
import { openApiDocument } from './openapi.ts';
import { mountOperations } from './router.ts';
import { send } from './send.ts';
import { mountUnsubscribe } from './unsubscribe.ts';
import { mountWellKnown } from './well-known.ts';

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

/** A failure express raised before an operation ran, in iris's terms. */
function requestError(error: unknown, req: Request): unknown {
  // A path parameter that is not valid percent-encoding names nothing.
  if ((error as { status?: unknown }).status === 400 && /decode param/i.test((error as Error).message)) {
    return new ApiError('SERVER_003', `no route for ${req.method} ${req.path}`);
  }
  return error;
}

export function createApp(services: Services, operations: readonly Operation[] = registry): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('case sensitive routing', true);
  // The caller's address is the socket's peer, or for each loopback hop the address it forwarded for.
  app.set('trust proxy', (address: string) => isLoopback(address));

  const publicUrl = publicUrlOf(services.env);
  const openApiJson = JSON.stringify(openApiDocument(operations, publicUrl, services.railWires));
  const llms = llmsTxt(operations, services.railWires);

  app.use(requestContext(services.logger, corsFor(services.railWires)));
  mountMcp(app, services, operations);
  mountWellKnown(app, services);
  mountOperations(app, services, operations);
  mountUnsubscribe(app, services);
  mountOpenPixel(app, services);
  mountInbound(app, services);
  mountDashboard(app, services);
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
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    failWith(services, res, requestError(error, req));
  });
  return app;
}
