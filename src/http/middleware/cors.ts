/**
 * CORS for browser clients (dashboards, browser MCP clients): every origin, no cookies (auth is a header),
 * with the payment, rate-limit and idempotency headers exposed. Written out rather than configured
 * through a library because it runs on every request and the answer never varies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RailWire } from '../../services.ts';

const EXPOSED_HEADERS = [
  'X-Request-ID',
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Idempotent-Replayed',
  'WWW-Authenticate',
  'Mcp-Session-Id',
];

const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Idempotency-Key',
  'Mcp-Session-Id',
  'Mcp-Protocol-Version',
  'Last-Event-ID',
];

const ALLOWED_METHODS = 'GET, POST, PATCH, PUT, DELETE, OPTIONS';

export type ApplyCors = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Sets the CORS headers, with the payment rails' headers added to the lists; answers a preflight itself
 * and returns true when it did.
 */
export function corsFor(rails: readonly Pick<RailWire, 'requestHeaders' | 'responseHeaders'>[]): ApplyCors {
  const exposed = [...new Set([...EXPOSED_HEADERS, ...rails.flatMap((r) => r.responseHeaders)])].join(', ');
  const allowed = [...new Set([...ALLOWED_HEADERS, ...rails.flatMap((r) => r.requestHeaders)])].join(', ');
  return (req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      res.setHeader('Access-Control-Allow-Methods', ALLOWED_METHODS);
      res.setHeader('Access-Control-Allow-Headers', allowed);
      res.setHeader('Access-Control-Max-Age', '600');
      res.setHeader('Vary', 'Access-Control-Request-Headers');
      res.statusCode = 204;
      res.setHeader('Content-Length', '0');
      res.end();
      return true;
    }
    res.setHeader('Access-Control-Expose-Headers', exposed);
    return false;
  };
}
