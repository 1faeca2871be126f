/** Routes of the conversations page: threads, one thread's messages, mark read. */
import type { Request, Router } from 'express';
import type { Services } from '../../services.ts';
import { actionRoute, pageRoute, queryString } from '../handlers.ts';
import type { Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import { conversationsPage, type Thread, type ThreadMessage } from '../views/conversations.ts';
import { type Flash, layout } from '../views/layout.ts';

async function loadConversations(ctx: PageContext, req: Request, flash: Flash): Promise<Node> {
  const unreadOnly = queryString(req, 'unread') === 'true';
  const openId = queryString(req, 'id') || (req.params.id ? String(req.params.id) : '');
  const threads = await ctx.call<Thread[]>('conversations.list', {
    limit: 50,
    ...(unreadOnly ? { unread: 'true' } : {}),
  });
  if (!threads.ok) return layout(ctx, 'Conversations', null, { ...flash, error: flash.error ?? threads });
  let open: { thread: Thread; messages: ThreadMessage[] } | undefined;
  let error = flash.error;
  if (openId) {
    const [thread, messages] = await Promise.all([
      ctx.call<Thread>('conversations.get', { id: openId }),
      ctx.call<ThreadMessage[]>('conversations.messages', { id: openId, limit: 100 }),
    ]);
    if (thread.ok && messages.ok) open = { thread: thread.data, messages: messages.data };
    else error ??= !thread.ok ? thread : messages.ok ? undefined : messages;
  }
  return conversationsPage(ctx, threads.data, unreadOnly, open, { ...flash, ...(error ? { error } : {}) });
}

export function registerConversations(router: Router, services: Services): void {
  router.get('/conversations', pageRoute(services, loadConversations));
  router.post(
    '/conversations/:id/read',
    actionRoute(services, async (ctx, req) => ({
      result: await ctx.call('conversations.mark_read', { id: req.params.id }),
      redirect: `/app/conversations?id=${encodeURIComponent(String(req.params.id))}`,
      notice: 'marked_read',
      render: loadConversations,
    })),
  );
}
