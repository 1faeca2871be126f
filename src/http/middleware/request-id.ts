/**
 * Gives every request an id (`req_…`), set as X-Request-ID on every response and carried in errors.
 */
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

export function newRequestId(): string {
  return `req_${randomBytes(12).toString('hex')}`;
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
