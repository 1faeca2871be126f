/** Routes of the keys page: list, create and rotate (the new secret shown once, never stored), revoke. */
import type { Request, Router } from 'express';
import type { Services } from '../../services.ts';
import type { CallResult } from '../call-operation.ts';
import { actionRoute, field, fields, pageRoute } from '../handlers.ts';
import type { Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import { type ApiKeyView, keysPage, type NewSecret } from '../views/keys.ts';
import { type Flash, layout } from '../views/layout.ts';

async function renderKeys(ctx: PageContext, flash: Flash, secret?: NewSecret): Promise<Node> {
  const keys = await ctx.call<ApiKeyView[]>('keys.list', { limit: 100 });
  if (!keys.ok) return layout(ctx, 'API keys', null, { ...flash, error: flash.error ?? keys });
  return keysPage(ctx, keys.data, secret, flash);
}

function loadKeys(ctx: PageContext, _req: Request, flash: Flash): Promise<Node> {
  return renderKeys(ctx, flash);
}

function showSecret(result: CallResult<ApiKeyView & { key: string }>, kind: NewSecret['kind']) {
  return (ctx: PageContext) =>
    renderKeys(ctx, {}, result.ok ? { name: result.data.name, key: result.data.key, kind } : undefined);
}

export function registerKeys(router: Router, services: Services): void {
  router.get('/keys', pageRoute(services, loadKeys));
  router.post(
    '/keys',
    actionRoute(services, async (ctx, req) => {
      const expires = field(req, 'expires_at');
      const result = await ctx.call<ApiKeyView & { key: string }>('keys.create', {
        name: field(req, 'name'),
        scopes: fields(req, 'scopes'),
        ...(/^\d{4}-\d{2}-\d{2}$/.test(expires) ? { expires_at: `${expires}T23:59:59.000Z` } : {}),
      });
      return { result, redirect: '/app/keys', render: loadKeys, success: showSecret(result, 'created') };
    }),
  );
  router.post(
    '/keys/:id/rotate',
    actionRoute(services, async (ctx, req) => {
      const result = await ctx.call<ApiKeyView & { key: string }>('keys.rotate', { id: req.params.id });
      return { result, redirect: '/app/keys', render: loadKeys, success: showSecret(result, 'rotated') };
    }),
  );
  router.post(
    '/keys/:id/revoke',
    actionRoute(services, async (ctx, req) => ({
      result: await ctx.call('keys.revoke', { id: req.params.id }),
      redirect: '/app/keys',
      notice: 'key_revoked',
      render: loadKeys,
    })),
  );
}
