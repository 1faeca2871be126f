/**
 * Gives every request an id (`req_…`), set as X-Request-ID on every response and carried in errors,
 * and applies CORS in the same step.
 */
import { randomFillSync } from 'node:crypto';
import type { Request, Response } from 'express';
import { applyCors } from './cors.ts';

/** Random bytes drawn a batch at a time: one system call and one string per id, not three. */
const ID_BYTES = 12;
const pool = Buffer.allocUnsafe(ID_BYTES * 512);
let offset = pool.length;

export function newRequestId(): string {
  if (offset + ID_BYTES > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = `req_${pool.toString('hex', offset, offset + ID_BYTES)}`;
  offset += ID_BYTES;
  return id;
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
