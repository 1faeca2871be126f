/**
 * The dashboard at /app: server-rendered pages over the operation registry, for people. Sessions come
 * from signing in with an API key (src/dashboard/sessions.ts); every POST carries the session's CSRF
 * token; every read and write is an operation run as the session's key (call-operation.ts).
 */
import express, { type Express, type NextFunction, type Request, type Response, Router } from 'express';
import { requestIdOf } from '../http/middleware/request-id.ts';
import { errorFields } from '../logger.ts';
import type { Services } from '../services.ts';
import { serveAsset } from './assets.ts';
import { operationCaller } from './call-operation.ts';
import {
  clearSessionCookie,
  clearSignInCookie,
  cookieOf,
  SESSION_COOKIE,
  SIGN_IN_COOKIE,
  setSessionCookie,
  setSignInCookie,
} from './cookies.ts';
import { field, noSession, pageRoute, sendHtml, sessionOf, wantsJson } from './handlers.ts';
import { html } from './html.ts';
import { noticeOf } from './notices.ts';
import { registerCampaigns } from './routes/campaigns.ts';
import { registerContacts } from './routes/contacts.ts';
import { registerConversations } from './routes/conversations.ts';
import { loadHome } from './routes/home.ts';
import { registerKeys } from './routes/keys.ts';
import { registerReview } from './routes/review.ts';
import { registerWebhooks } from './routes/webhooks.ts';
import { dashboardHeaders } from './security-headers.ts';
import { csrfMatches, csrfToken, newSessionId } from './session-crypto.ts';
import { createSession, endSession, findSession } from './sessions.ts';
import { documentOf, errorBanner } from './views/layout.ts';
import { signInPage } from './views/sign-in.ts';

function refuse(req: Request, res: Response, status: number, code: string, message: string): void {
  const error = { code, message, requestId: requestIdOf(res) };
  if (wantsJson(req)) {
    res.status(status).json({ ok: false, error });
    return;
  }
  void sendHtml(
    res,
    status,
    documentOf(
      'Refused',
      html`<main id="main" class="sign-in">
        <h1>Refused</h1>
        ${errorBanner(error)}
        <p><a href="/app">Back to the dashboard</a></p>
      </main>`,
      'bare',
    ),
  );
}

/** A POST from another site is refused whatever it carries (the cookie is SameSite=Strict as well). */
function crossSite(req: Request): boolean {
  if (req.get('sec-fetch-site') === 'cross-site') return true;
  const origin = req.get('origin');
  return origin !== undefined && origin !== 'null' && origin !== `${req.protocol}://${req.get('host')}`;
}

function signInSecret(req: Request, res: Response): string {
  const existing = cookieOf(req, SIGN_IN_COOKIE);
  if (existing) return existing;
  const secret = newSessionId();
  setSignInCookie(req, res, secret);
  return secret;
}

export function mountDashboard(app: Express, services: Services): void {
  const router = Router({ caseSensitive: true });
  router.use(dashboardHeaders);
  router.get('/assets/:file', serveAsset);
  router.use(express.urlencoded({ extended: false, limit: '256kb' }));
  router.use(express.json({ limit: services.env.IRIS_BODY_LIMIT_BYTES }));

  // The session of the cookie, if it is still live; its cookie is renewed with each request.
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    try {
      const sessionId = cookieOf(req, SESSION_COOKIE);
      if (sessionId) {
        const session = await findSession(services.db, sessionId, services.clock());
        if (session) {
          res.locals.dashboardSession = session;
          setSessionCookie(req, res, sessionId);
        } else clearSessionCookie(req, res);
      }
      next();
    } catch (error) {
      next(error);
    }
  });

  router.post('/sign-in', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const secret = cookieOf(req, SIGN_IN_COOKIE);
      if (crossSite(req) || !secret || !csrfMatches(secret, field(req, '_csrf'))) {
        return refuse(
          req,
          res,
          403,
          'AUTH_002',
          'forbidden - the form has no valid CSRF token; reload the page',
        );
      }
      const apiKey = field(req, 'api_key').trim();
      const call = operationCaller(services, apiKey, {
        ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
        requestId: requestIdOf(res),
      });
      const me = await call<{ id: string }>('keys.me');
      if (!me.ok) return await sendHtml(res, me.status, signInPage(csrfToken(secret), { error: me }));
      const previous = sessionOf(res);
      if (previous) await endSession(services.db, previous.sessionId);
      const sessionId = newSessionId();
      await createSession(services.db, sessionId, apiKey, me.data.id, services.clock());
      setSessionCookie(req, res, sessionId);
      clearSignInCookie(req, res);
      res.redirect(303, '/app');
    } catch (error) {
      next(error);
    }
  });

  // Every other POST: same site, a live session, and the session's CSRF token (form field or header).
  router.post(/.*/, (req: Request, res: Response, next: NextFunction) => {
    if (crossSite(req)) return refuse(req, res, 403, 'AUTH_002', 'forbidden - cross-site request');
    const session = sessionOf(res);
    if (!session) return noSession(req, res);
    const token = field(req, '_csrf') || req.get('x-csrf-token');
    if (!csrfMatches(session.sessionId, token)) {
      return refuse(
        req,
        res,
        403,
        'AUTH_002',
        'forbidden - the request has no valid CSRF token; reload the page',
      );
    }
    next();
  });

  router.post('/sign-out', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const session = sessionOf(res);
      if (session) await endSession(services.db, session.sessionId);
      clearSessionCookie(req, res);
      res.redirect(303, '/app?notice=signed_out');
    } catch (error) {
      next(error);
    }
  });

  const home = pageRoute(services, loadHome);
  router.get('/', (req: Request, res: Response, next: NextFunction) => {
    if (sessionOf(res)) return void home(req, res, next);
    sendHtml(
      res,
      200,
      signInPage(csrfToken(signInSecret(req, res)), { notice: noticeOf(req.query.notice) }),
    ).catch(next);
  });

  registerReview(router, services);
  registerCampaigns(router, services);
  registerContacts(router, services);
  registerConversations(router, services);
  registerKeys(router, services);
  registerWebhooks(router, services);

  router.use((req: Request, res: Response) => {
    if (!sessionOf(res)) return noSession(req, res);
    refuse(req, res, 404, 'SERVER_003', `no page at ${req.originalUrl.split('?')[0]}`);
  });
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return refuse(req, res, status, 'SERVER_002', 'the request could not be read');
    }
    services.logger.error('dashboard request failed', { requestId: requestIdOf(res), ...errorFields(error) });
    if (res.headersSent) return void res.destroy();
    refuse(req, res, 500, 'SERVER_001', 'internal error');
  });
  app.use('/app', router);
}
