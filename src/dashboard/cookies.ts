/**
 * The dashboard's cookies: the session id (`iris_session`) and the sign-in form's CSRF secret
 * (`iris_signin`). Both HttpOnly, SameSite=Strict, scoped to /app, and Secure except over plain http
 * to localhost (where browsers would drop a Secure cookie on some hosts).
 */
import type { Request, Response } from 'express';
import { SESSION_IDLE_MS } from './sessions.ts';

export const SESSION_COOKIE = 'iris_session';
export const SIGN_IN_COOKIE = 'iris_signin';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function secureFor(req: Request): boolean {
  return !(req.protocol === 'http' && LOCAL_HOSTS.has(req.hostname));
}

export function cookieOf(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at < 0) continue;
    if (part.slice(0, at).trim() === name) {
      const value = part.slice(at + 1).trim();
      return /^[A-Za-z0-9_-]{20,100}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

function options(req: Request, maxAgeMs?: number) {
  return {
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: secureFor(req),
    path: '/app',
    ...(maxAgeMs !== undefined ? { maxAge: maxAgeMs } : {}),
  };
}

export function setSessionCookie(req: Request, res: Response, sessionId: string): void {
  res.cookie(SESSION_COOKIE, sessionId, options(req, SESSION_IDLE_MS));
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.clearCookie(SESSION_COOKIE, options(req));
}

export function setSignInCookie(req: Request, res: Response, secret: string): void {
  res.cookie(SIGN_IN_COOKIE, secret, options(req, 60 * 60 * 1000));
}

export function clearSignInCookie(req: Request, res: Response): void {
  res.clearCookie(SIGN_IN_COOKIE, options(req));
}
