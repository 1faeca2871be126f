/**
 * Gives every request an id (`req_…`), set as X-Request-ID on every response and carried in errors,
 * and applies CORS in the same step.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { applyCors } from './cors.ts';

export function newRequestId(): string {
  // randomUUID draws from a pooled buffer: much cheaper per call than randomBytes.
  return `req_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

/**
 * The first middleware of every request: its id (X-Request-ID) and CORS, in one layer because it runs
 * on every request.
 */
export function requestFront() {
  return function front(req: Request, res: Response, next: NextFunction): void {
    const id = newRequestId();
    res.locals.requestId = id;
    res.setHeader('X-Request-ID', id);
    if (applyCors(req, res)) return;
    next();
  };
}

export function requestIdOf(res: Response): string {
  return (res.locals.requestId as string | undefined) ?? newRequestId();
}
