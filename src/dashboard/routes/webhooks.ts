/** Routes of the webhooks page: endpoints, create (secret shown once), deliveries, redeliver. */
import type { Request, Router } from 'express';
import type { Services } from '../../services.ts';
import { actionRoute, field, fields, pageRoute, queryString } from '../handlers.ts';
import type { Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import { type Flash, layout } from '../views/layout.ts';
import { type Delivery, type Endpoint, webhooksPage } from '../views/webhooks.ts';

async function renderWebhooks(
  ctx: PageContext,
  openId: string,
  flash: Flash,
  secret?: { url: string; secret: string },
): Promise<Node> {
  const endpoints = await ctx.call<Endpoint[]>('webhooks.list', { limit: 100 });
  if (!endpoints.ok) return layout(ctx, 'Webhooks', null, { ...flash, error: flash.error ?? endpoints });
  const endpoint = endpoints.data.find((e) => e.id === openId);
  let open: { endpoint: Endpoint; deliveries: Delivery[] } | undefined;
  let error = flash.error;
  if (endpoint) {
    const deliveries = await ctx.call<Delivery[]>('webhooks.deliveries', { id: endpoint.id, limit: 50 });
    if (deliveries.ok) open = { endpoint, deliveries: deliveries.data };
    else error ??= deliveries;
  }
  return webhooksPage(ctx, endpoints.data, open, secret, { ...flash, ...(error ? { error } : {}) });
}

function loadWebhooks(ctx: PageContext, req: Request, flash: Flash): Promise<Node> {
  return renderWebhooks(ctx, queryString(req, 'id') || (req.params.id ? String(req.params.id) : ''), flash);
}

export function registerWebhooks(router: Router, services: Services): void {
  router.get('/webhooks', pageRoute(services, loadWebhooks));
  router.post(
    '/webhooks',
    actionRoute(services, async (ctx, req) => {
      const description = field(req, 'description').trim();
      const events = fields(req, 'events');
      const result = await ctx.call<Endpoint & { secret: string }>('webhooks.create', {
        url: field(req, 'url'),
        events: events.includes('*') || events.length === 0 ? ['*'] : events,
        ...(description ? { description } : {}),
      });
      return {
        result,
        redirect: '/app/webhooks',
        render: loadWebhooks,
        success: (page) =>
          renderWebhooks(
            page,
            result.ok ? result.data.id : '',
            {},
            result.ok ? { url: result.data.url, secret: result.data.secret } : undefined,
          ),
      };
    }),
  );
  router.post(
    '/webhooks/:id/deliveries/:delivery_id/redeliver',
    actionRoute(services, async (ctx, req) => ({
      result: await ctx.call('webhooks.redeliver', {
        id: req.params.id,
        delivery_id: req.params.delivery_id,
      }),
      redirect: `/app/webhooks?id=${encodeURIComponent(String(req.params.id))}`,
      notice: 'redelivered',
      render: loadWebhooks,
    })),
  );
}
