/**
 * JSON request bodies, read straight from the request with a size limit and set as `req.body`: express
 * middleware, but not body-parser, whose per-request layers (type-is, raw-body, iconv) cost the unpaid
 * create its target against a bare express handler. Failures are ApiErrors (400 SERVER_002, 413
 * SERVER_011), so they render as the iris envelope; only bodies declared as JSON are read, and
 * compressed ones are refused (a size limit on the compressed form would be no limit).
 */
import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../../errors/api-error.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

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
        const text =
          chunks.length === 1
            ? (chunks[0] as Buffer).toString('utf8')
            : Buffer.concat(chunks).toString('utf8');
        resolve(JSON.parse(text));
      } catch {
        reject(new ApiError('SERVER_002', 'malformed JSON in request body'));
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
