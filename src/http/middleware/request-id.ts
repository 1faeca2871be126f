/**
 * Gives every request an id (`req_…`), set as X-Request-ID on every response and carried in errors.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export function newRequestId(): string {
  // randomUUID draws from a pooled buffer: much cheaper per call than randomBytes.
  return `req_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

export function requestId() {
  return function requestIdMiddleware(_req: Request, res: Response, next: NextFunction): void {
    const id = newRequestId();
    res.locals.requestId = id;
    res.setHeader('X-Request-ID', id);
    next();
  };
}

export function requestIdOf(res: Response): string {
  return (res.locals.requestId as string | undefined) ?? newRequestId();
}
