/** What a signed-in page is rendered with: the session, its CSRF token and what its key may do. */
import type { Scope } from '../domain/principal.ts';
import type { CallOperation } from './call-operation.ts';
import type { DashboardSession } from './sessions.ts';

export interface PageContext {
  session: DashboardSession;
  csrf: string;
  /** The request's path, for the navigation's current page. */
  path: string;
  /** Whether the key holds a scope (a page shows the controls of writes it may make). */
  can(scope: Scope): boolean;
  call: CallOperation;
}
