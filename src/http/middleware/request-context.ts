/**
 * The app's first middleware: every request gets its id and CORS headers (a CORS preflight is answered
 * there), and one log line when its response is done or the client went away: method, route (the
 * operation id, or the path of a fixed route), status, milliseconds, request id and who the caller was.
 * Never the query, body or headers: they may hold personal data and credentials.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../logger.ts';
import type { ApplyCors } from './cors.ts';
import { requestIdOf, startRequest } from './request-id.ts';

export function requestContext(logger: Logger, applyCors: ApplyCors) {
  // Read once: the level is fixed for the process, and without request lines no listener is needed.
  const logging = logger.enabled('info');
  return function startAndLog(req: Request, res: Response, next: NextFunction): void {
    if (logging) logWhenClosed(logger, req, res);
    if (!startRequest(req, res, applyCors)) next();
  };
}

function logWhenClosed(logger: Logger, req: Request, res: Response): void {
  const started = performance.now();
  res.once('close', () => {
    logger.info('request', {
      method: req.method,
      route: res.locals.route ?? req.route?.path ?? null,
      status: res.statusCode,
      ms: Math.round((performance.now() - started) * 10) / 10,
      requestId: requestIdOf(res),
      principal: res.locals.principal ?? null,
      ...(res.writableFinished ? {} : { aborted: true }),
    });
  });
}
