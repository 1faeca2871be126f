/**
 * JSON request bodies through express.json (body-parser), and what its failures mean in iris's terms:
 * too large → 413 SERVER_011, anything else unreadable → 400 SERVER_002. Only bodies declared as JSON are
 * read; compressed bodies are refused (a size limit on the compressed form would be no limit).
 */
import express, { type RequestHandler } from 'express';
import { ApiError } from '../../errors/api-error.ts';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export function jsonBody(limitBytes: number): RequestHandler {
  return express.json({
    limit: limitBytes,
    // Any JSON value: the operation's schema says what it accepts (422), not the parser.
    strict: false,
    inflate: false,
    type: (req) => JSON_TYPE.test(req.headers['content-type'] ?? ''),
  });
}

/** body-parser's failure, as the ApiError to answer with; undefined for anything else. */
export function bodyError(error: unknown): ApiError | undefined {
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type !== 'string') return undefined;
  switch (type) {
    case 'entity.too.large':
      return new ApiError('SERVER_011');
    case 'entity.parse.failed':
      return new ApiError('SERVER_002', 'malformed JSON in request body');
    case 'charset.unsupported':
      return new ApiError('SERVER_002', `${(error as Error).message}: send UTF-8 JSON`);
    case 'encoding.unsupported':
      return new ApiError('SERVER_002', `${(error as Error).message}: send plain JSON`);
    case 'request.aborted':
    case 'request.size.invalid':
      return new ApiError('SERVER_002', 'incomplete request body');
    default:
      return undefined;
  }
}
