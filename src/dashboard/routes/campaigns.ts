/** Routes of the campaigns pages: list and create, one campaign, pause/resume/activate and delete. */
import { randomUUID } from 'node:crypto';
import type { Request, Router } from 'express';
import type { Services } from '../../services.ts';
import { actionRoute, field, fields, pageRoute, queryString } from '../handlers.ts';
import type { Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import {
  type AuditEntry,
  type Campaign,
  type CampaignContact,
  campaignPage,
  campaignsPage,
  type Usage,
} from '../views/campaigns.ts';
import { type Flash, layout } from '../views/layout.ts';

/** Campaigns per page: each shows its usage, one operation call apiece, inside the per-second burst limit. */
const PAGE_SIZE = 10;

function list(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

async function loadCampaigns(ctx: PageContext, req: Request, flash: Flash): Promise<Node> {
  const cursor = queryString(req, 'cursor') || undefined;
  const campaigns = await ctx.call<Campaign[]>('campaigns.list', { limit: PAGE_SIZE, cursor });
  if (!campaigns.ok) return layout(ctx, 'Campaigns', null, { ...flash, error: flash.error ?? campaigns });
  const usages = await Promise.all(
    campaigns.data.map((c) => ctx.call<Usage>('campaigns.usage', { id: c.id })),
  );
  const rows = campaigns.data.map((campaign, i) => {
    const usage = usages[i];
    return { campaign, usage: usage?.ok ? usage.data : undefined };
  });
  // A refused create shows the form as it was sent, to correct and send again (as a new request).
  const typed =
    req.method === 'POST'
      ? {
          name: field(req, 'name'),
          objective_type: field(req, 'objective_type'),
          location: field(req, 'location'),
          venue_types: field(req, 'venue_types'),
          keywords: field(req, 'keywords'),
          max_results: field(req, 'max_results'),
          outreach_channels: fields(req, 'outreach_channels'),
          approval_mode: field(req, 'approval_mode'),
        }
      : undefined;
  return campaignsPage(ctx, rows, campaigns.nextCursor, randomUUID(), flash, typed);
}

async function loadCampaign(ctx: PageContext, req: Request, flash: Flash): Promise<Node> {
  const id = String(req.params.id);
  const [campaign, usage, contacts, history] = await Promise.all([
    ctx.call<Campaign>('campaigns.get', { id }),
    ctx.call<Usage>('campaigns.usage', { id }),
    ctx.call<CampaignContact[]>('campaigns.contacts', { id, limit: 100 }),
    // Who changed what: the audit log, which admin keys may read.
    ctx.can('admin') ? ctx.call<AuditEntry[]>('audit.list', { resource_id: id, limit: 50 }) : undefined,
  ]);
  if (!campaign.ok) return layout(ctx, 'Campaign', null, { ...flash, error: campaign });
  return campaignPage(
    ctx,
    campaign.data,
    usage.ok ? usage.data : undefined,
    contacts.ok ? contacts.data : [],
    flash,
    history?.ok ? history.data : [],
  );
}

/** The page to go back to after a status change: the list or the campaign's own page. */
function backOf(req: Request): string {
  const back = field(req, 'back');
  return back === '/app/campaigns' || /^\/app\/campaigns\/[0-9a-f-]{36}$/.test(back)
    ? back
    : '/app/campaigns';
}

export function registerCampaigns(router: Router, services: Services): void {
  router.get('/campaigns', pageRoute(services, loadCampaigns));
  router.get('/campaigns/:id', pageRoute(services, loadCampaign));
  router.post(
    '/campaigns',
    actionRoute(services, async (ctx, req) => {
      const location = field(req, 'location').trim();
      const maxResults = Number.parseInt(field(req, 'max_results'), 10);
      const input = {
        name: field(req, 'name'),
        objective_type: field(req, 'objective_type').trim(),
        ...(location ? { location } : {}),
        venue_types: list(field(req, 'venue_types')),
        keywords: list(field(req, 'keywords')),
        ...(Number.isFinite(maxResults) ? { max_results: maxResults } : {}),
        outreach_channels: fields(req, 'outreach_channels'),
        approval_mode: field(req, 'approval_mode') || 'manual',
      };
      const idempotencyKey = field(req, 'idempotency_key');
      const result = await ctx.call<Campaign>(
        'campaigns.create',
        input,
        /^[0-9a-f-]{36}$/.test(idempotencyKey) ? { idempotencyKey } : {},
      );
      return {
        result,
        redirect: result.ok ? `/app/campaigns/${result.data.id}` : '/app/campaigns',
        notice: 'campaign_created',
        render: loadCampaigns,
      };
    }),
  );
  router.post(
    '/campaigns/:id/status',
    actionRoute(services, async (ctx, req) => ({
      result: await ctx.call('campaigns.set_status', { id: req.params.id, status: field(req, 'status') }),
      redirect: backOf(req),
      notice: 'campaign_updated',
      render: backOf(req) === '/app/campaigns' ? loadCampaigns : loadCampaign,
    })),
  );
  router.post(
    '/campaigns/:id/delete',
    actionRoute(services, async (ctx, req) => ({
      result: await ctx.call('campaigns.delete', { id: req.params.id }),
      redirect: '/app/campaigns',
      notice: 'campaign_deleted',
      render: loadCampaigns,
    })),
  );
}
