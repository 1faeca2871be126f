/**
 * Gives every request an id (`req_…`), set as X-Request-ID on every response and carried in errors,
 * and applies CORS in the same step (request-context.ts runs it first).
 */
import { randomFillSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApplyCors } from './cors.ts';

/** Where a response keeps its request's id (code holding only the Node response can read it). */
const REQUEST_ID = Symbol('iris.requestId');
type WithRequestId = ServerResponse & { [REQUEST_ID]?: string };

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

/** Gives `res` its request id (X-Request-ID) and CORS headers; true when that answered a CORS preflight. */
export function startRequest(req: IncomingMessage, res: ServerResponse, applyCors: ApplyCors): boolean {
  const id = newRequestId();
  (res as WithRequestId)[REQUEST_ID] = id;
  res.setHeader('X-Request-ID', id);
  return applyCors(req, res);
}

export function requestIdOf(res: ServerResponse): string {
  return (res as WithRequestId)[REQUEST_ID] ?? newRequestId();
}
