/**
 * CORS for browser clients (dashboards, browser MCP clients): any origin, no cookies (auth is a header),
 * with the payment, rate-limit and idempotency headers exposed.
 */
import cors from 'cors';

export const EXPOSED_HEADERS = [
  'X-Request-ID',
  'Retry-After',
  'X-RateLimit-Limit',
  'X-RateLimit-Remaining',
  'X-RateLimit-Reset',
  'Idempotent-Replayed',
  'PAYMENT-REQUIRED',
  'PAYMENT-RESPONSE',
  'X-PAYMENT-RESPONSE',
  'WWW-Authenticate',
  'Payment-Receipt',
  'Mcp-Session-Id',
];

export function corsMiddleware() {
  return cors({
    origin: '*',
    methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: [
      'Authorization',
      'Content-Type',
      'Idempotency-Key',
      'X-PAYMENT',
      'PAYMENT-SIGNATURE',
      'Payment-Authorization',
      'Mcp-Session-Id',
      'Mcp-Protocol-Version',
      'Last-Event-ID',
    ],
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });
}
