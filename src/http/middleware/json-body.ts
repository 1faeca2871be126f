/**
 * JSON request bodies, read straight from the request with a size limit and set as `req.body`: express
 * middleware, but not body-parser, whose per-request layers (type-is, raw-body, iconv) cost the unpaid
 * create its target against a bare express handler. Failures are ApiErrors (400 SERVER_002, 413
 * SERVER_011), so they render as the iris envelope; only bodies declared as JSON are read, and
 * compressed ones are refused (a size limit on the compressed form would be no limit). Bytes that are
 * not UTF-8 are refused rather than replaced, and so is JSON nested deeper than anything iris takes, here
 * at the boundary before any code walks it recursively (REST and MCP read bodies through this).
 */
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../../errors/api-error.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Nesting allowed in a body: operation inputs go 32 deep, and an MCP message wraps them in a few more. */
export const MAX_JSON_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether `value` nests objects and arrays deeper than `limit` (walked without recursion). */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** The body as JSON: 400 SERVER_002 for bytes that are not UTF-8, malformed JSON or too deep nesting. */
function parseBody(bytes: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError('SERVER_002', 'request body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError('SERVER_002', 'malformed JSON in request body');
  }
  if (nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    throw new ApiError('SERVER_002', `request body nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  return value;
}

/** Resolves the parsed body, or undefined when there is none (or it is not declared as JSON). */
export function readJsonBody(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const type = req.headers['content-type'];
  const length = req.headers['content-length'];
  if (!type || !JSON_TYPE.test(type) || length === '0') {
    req.resume();
    return Promise.resolve(undefined);
  }
  const charset = /;\s*charset=["']?([^"';\s]+)/i.exec(type)?.[1]?.toLowerCase();
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    req.resume();
    return Promise.reject(new ApiError('SERVER_002', `unsupported charset ${charset}: send UTF-8 JSON`));
  }
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding !== 'identity') {
    req.resume();
    return Promise.reject(
      new ApiError('SERVER_002', `unsupported Content-Encoding ${encoding}: send plain JSON`),
    );
  }
  if (length !== undefined && Number(length) > limitBytes) {
    req.resume();
    return Promise.reject(new ApiError('SERVER_011'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        reject(new ApiError('SERVER_011'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      if (size === 0) {
        resolve(undefined);
        return;
      }
      try {
        resolve(parseBody(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', () => {
      if (failed) return;
      failed = true;
      reject(new ApiError('SERVER_002', 'incomplete request body'));
    });
  });
}

/** The middleware: `req.body` is the parsed JSON (or undefined); a failure goes to the error handler. */
export function jsonBody(limitBytes: number) {
  return function parseJsonBody(req: Request, _res: Response, next: NextFunction): void {
    readJsonBody(req, limitBytes).then((body) => {
      req.body = body;
      next();
    }, next);
  };
}
