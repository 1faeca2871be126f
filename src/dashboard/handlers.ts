/**
 * The two kinds of dashboard route: a page (rendered as the session's key) and an action (one or more
 * operations, then a redirect with a notice, the page again with the API's error, or for in-place
 * requests made with fetch a JSON answer). Both end the session when its key stops authenticating.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Scope } from '../domain/principal.ts';
import { hasScope } from '../domain/principal.ts';
import { requestIdOf } from '../http/middleware/request-id.ts';
import type { Services } from '../services.ts';
import { type CallOperation, type CallResult, KEY_ENDED_CODES, operationCaller } from './call-operation.ts';
import { clearSessionCookie } from './cookies.ts';
import { type Node, renderDocument } from './html.ts';
import { type NoticeKey, noticeOf } from './notices.ts';
import type { PageContext } from './page-context.ts';
import { csrfToken } from './session-crypto.ts';
import { type DashboardSession, endSession } from './sessions.ts';
import type { Flash } from './views/layout.ts';

export type Render = (ctx: PageContext, req: Request, flash: Flash) => Promise<Node>;

export interface ActionOutcome {
  result: CallResult<unknown>;
  /** Where a successful form post goes next (303). */
  redirect: string;
  notice?: NoticeKey;
  /** The page shown again when the action failed, with the API's error. */
  render: Render;
  /** A page shown instead of the redirect on success (a secret that is shown once). */
  success?: Render;
}

interface RequestState {
  ctx: PageContext;
  keyEnded: () => boolean;
}

export function sessionOf(res: Response): DashboardSession | undefined {
  return res.locals.dashboardSession as DashboardSession | undefined;
}

export function wantsJson(req: Request): boolean {
  return (req.get('accept') ?? '').includes('application/json');
}

export async function sendHtml(res: Response, status: number, node: Node): Promise<void> {
  const text = await renderDocument(node);
  res.status(status).type('text/html; charset=utf-8').send(text);
}

function stateOf(services: Services, req: Request, res: Response, session: DashboardSession): RequestState {
  let ended = false;
  const caller = operationCaller(services, session.apiKey, {
    ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
    requestId: requestIdOf(res),
  });
  const call: CallOperation = async (operationId, args, options) => {
    const result = await caller(operationId, args, options);
    if (!result.ok && KEY_ENDED_CODES.has(result.code)) ended = true;
    return result as never;
  };
  const principal = { kind: 'key', scopes: session.scopes } as const;
  const ctx: PageContext = {
    session,
    csrf: csrfToken(session.sessionId),
    path: req.originalUrl.split('?')[0] ?? '/app',
    can: (scope: Scope) => hasScope(principal as Parameters<typeof hasScope>[0], scope),
    call,
  };
  return { ctx, keyEnded: () => ended };
}

async function signOutEnded(services: Services, req: Request, res: Response, session: DashboardSession) {
  await endSession(services.db, session.sessionId);
  clearSessionCookie(req, res);
  if (wantsJson(req)) {
    res.status(401).json({ ok: false, error: { code: 'AUTH_003', message: 'session ended: sign in again' } });
    return;
  }
  res.redirect(303, '/app?notice=session_ended');
}

/** Answers without a session: pages go to the sign-in page, in-place requests get a 401. */
export function noSession(req: Request, res: Response): void {
  if (wantsJson(req)) {
    res.status(401).json({ ok: false, error: { code: 'AUTH_003', message: 'session ended: sign in again' } });
    return;
  }
  res.redirect(303, '/app');
}

export function pageRoute(services: Services, render: Render) {
  return async function dashboardPage(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const session = sessionOf(res);
      if (!session) return noSession(req, res);
      const state = stateOf(services, req, res, session);
      const node = await render(state.ctx, req, { notice: noticeOf(req.query.notice) });
      if (state.keyEnded()) return await signOutEnded(services, req, res, session);
      await sendHtml(res, 200, node);
    } catch (error) {
      next(error);
    }
  };
}

export function actionRoute(
  services: Services,
  run: (ctx: PageContext, req: Request) => Promise<ActionOutcome>,
) {
  return async function dashboardAction(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const session = sessionOf(res);
      if (!session) return noSession(req, res);
      const state = stateOf(services, req, res, session);
      const outcome = await run(state.ctx, req);
      const { result } = outcome;
      if (state.keyEnded()) return await signOutEnded(services, req, res, session);
      if (wantsJson(req)) {
        if (result.ok) res.status(result.status).json({ ok: true, data: result.data });
        else
          res.status(result.status).json({
            ok: false,
            error: { code: result.code, message: result.message, requestId: result.requestId },
          });
        return;
      }
      if (!result.ok) {
        const node = await outcome.render(state.ctx, req, { error: result });
        if (state.keyEnded()) return await signOutEnded(services, req, res, session);
        return await sendHtml(res, result.status, node);
      }
      if (outcome.success)
        return await sendHtml(res, result.status, await outcome.success(state.ctx, req, {}));
      res.redirect(303, withNotice(outcome.redirect, outcome.notice));
    } catch (error) {
      next(error);
    }
  };
}

/** A redirect target with `notice=` added to its query (before any fragment). */
function withNotice(target: string, notice: NoticeKey | undefined): string {
  if (!notice) return target;
  const [path, fragment] = target.split('#');
  const separator = (path ?? '').includes('?') ? '&' : '?';
  return `${path}${separator}notice=${notice}${fragment !== undefined ? `#${fragment}` : ''}`;
}

/** A form field as a string ('' when absent or not text). */
export function field(req: Request, name: string): string {
  const body = req.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  return typeof value === 'string' ? value : '';
}

/** A form field that may repeat (checkboxes), as a list of strings. */
export function fields(req: Request, name: string): string[] {
  const body = req.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

export function queryString(req: Request, name: string): string {
  const value = req.query[name];
  return typeof value === 'string' ? value : '';
}
