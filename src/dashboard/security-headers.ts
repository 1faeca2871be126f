/**
 * Headers of every dashboard answer: a strict Content-Security-Policy (scripts, styles and fetches
 * from this origin only, no inline script or style, no framing), no caching of pages that show account
 * data, and none of the API's open CORS (the dashboard is same-origin and cookie-based).
 */
import type { NextFunction, Request, Response } from 'express';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export function dashboardHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.removeHeader('Access-Control-Allow-Origin');
  res.set({
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
  next();
}
