/** Routes of the review queue: the page, and approve, reject, feedback and bulk actions on drafts. */
import type { Request, Router } from 'express';
import type { Services } from '../../services.ts';
import { actionRoute, field, fields, pageRoute, queryString } from '../handlers.ts';
import type { Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import type { Flash } from '../views/layout.ts';
import { layout } from '../views/layout.ts';
import { type Draft, type DraftGroup, reviewPage } from '../views/review.ts';

async function loadReview(ctx: PageContext, req: Request, flash: Flash): Promise<Node> {
  const campaignId = queryString(req, 'campaign_id') || undefined;
  const [pending, campaigns] = await Promise.all([
    ctx.call<Draft[]>('messages.pending', { limit: 100, campaign_id: campaignId }),
    ctx.call<{ id: string; name: string }[]>('campaigns.list', { limit: 100 }),
  ]);
  if (!pending.ok) return layout(ctx, 'Review queue', null, { ...flash, error: flash.error ?? pending });
  const names = new Map(campaigns.ok ? campaigns.data.map((c) => [c.id, c.name]) : []);
  const groups = new Map<string, DraftGroup>();
  for (const draft of pending.data) {
    const key = draft.campaign_id ?? '';
    let group = groups.get(key);
    if (!group) {
      group = {
        campaignId: draft.campaign_id,
        campaignName: draft.campaign_id ? (names.get(draft.campaign_id) ?? 'Campaign') : 'No campaign',
        drafts: [],
      };
      groups.set(key, group);
    }
    group.drafts.push(draft);
  }
  return reviewPage(ctx, [...groups.values()], pending.nextCursor !== null, flash);
}

export function registerReview(router: Router, services: Services): void {
  router.get('/review', pageRoute(services, loadReview));
  router.post(
    '/review/bulk',
    actionRoute(services, async (ctx, req) => {
      const action = field(req, 'action') === 'reject' ? 'reject' : 'approve';
      const reason = field(req, 'reason').trim();
      const result = await ctx.call('messages.bulk', {
        action,
        ids: fields(req, 'ids'),
        ...(action === 'reject' && reason ? { reason } : {}),
      });
      return { result, redirect: '/app/review', notice: 'bulk_done', render: loadReview };
    }),
  );
  router.post(
    '/review/:id/approve',
    actionRoute(services, async (ctx, req) => {
      // The edit form sends the text to approve instead of the draft's; the plain button sends none.
      const subject = field(req, 'subject').trim();
      const body = field(req, 'body').trim();
      return {
        result: await ctx.call('messages.approve', {
          id: req.params.id,
          ...(subject ? { subject } : {}),
          ...(body ? { body } : {}),
        }),
        redirect: '/app/review',
        notice: 'approved',
        render: loadReview,
      };
    }),
  );
  router.post(
    '/review/:id/reject',
    actionRoute(services, async (ctx, req) => {
      const reason = field(req, 'reason').trim();
      return {
        result: await ctx.call('messages.reject', { id: req.params.id, ...(reason ? { reason } : {}) }),
        redirect: '/app/review',
        notice: 'rejected',
        render: loadReview,
      };
    }),
  );
  router.post(
    '/review/:id/feedback',
    actionRoute(services, async (ctx, req) => ({
      result: await ctx.call('messages.feedback', { id: req.params.id, feedback: field(req, 'feedback') }),
      redirect: `/app/review#draft-${String(req.params.id)}`,
      notice: 'revised',
      render: loadReview,
    })),
  );
}
