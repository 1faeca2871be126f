/** The home page's figures, each from an operation the key may read. */
import type { Request } from 'express';
import type { CallFailure } from '../call-operation.ts';
import type { Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import { homePage } from '../views/home.ts';
import type { Flash } from '../views/layout.ts';

export async function loadHome(ctx: PageContext, _req: Request, flash: Flash): Promise<Node> {
  const [pending, campaigns, unread] = await Promise.all([
    ctx.call<unknown[]>('messages.pending', { limit: 100 }),
    ctx.call<unknown[]>('campaigns.list', { limit: 100 }),
    ctx.call<unknown[]>('conversations.list', { unread: 'true', limit: 100 }),
  ]);
  const failure = [pending, campaigns, unread].find((result): result is CallFailure => !result.ok);
  return homePage(
    ctx,
    {
      pendingCount: pending.ok ? pending.data.length : null,
      pendingMore: pending.ok && pending.nextCursor !== null,
      campaignCount: campaigns.ok ? campaigns.data.length : null,
      unreadCount: unread.ok ? unread.data.length : null,
      ...(failure ? { failure } : {}),
    },
    flash,
  );
}
