/**
 * Gives every request an id (`req_…`), set as X-Request-ID on every response and carried in errors,
 * and applies CORS in the same step.
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { applyCors } from './cors.ts';

export function newRequestId(): string {
  // randomUUID draws from a pooled buffer: much cheaper per call than randomBytes.
  return `req_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
}

/**
 * What every request gets first: its id (X-Request-ID) and CORS. Returns true when that already answered
 * the request (a CORS preflight).
 */
export function startRequest(req: Request, res: Response): boolean {
  const id = newRequestId();
  res.locals.requestId = id;
  res.setHeader('X-Request-ID', id);
  return applyCors(req, res);
}

export function requestIdOf(res: Response): string {
  return (res.locals.requestId as string | undefined) ?? newRequestId();
}
