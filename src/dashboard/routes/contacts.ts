/** Routes of the contacts page: search and list, and one import batch (JSON, from assets/import.js). */
import type { Request, Router } from 'express';
import type { Services } from '../../services.ts';
import { actionRoute, pageRoute, queryString } from '../handlers.ts';
import type { Node } from '../html.ts';
import type { PageContext } from '../page-context.ts';
import { type Contact, contactsPage } from '../views/contacts.ts';
import { type Flash, layout } from '../views/layout.ts';

async function loadContacts(ctx: PageContext, req: Request, flash: Flash): Promise<Node> {
  const search = queryString(req, 'search').trim();
  const cursor = queryString(req, 'cursor') || undefined;
  const [contacts, campaigns] = await Promise.all([
    ctx.call<Contact[]>('contacts.list', { limit: 50, cursor, ...(search ? { search } : {}) }),
    ctx.call<{ id: string; name: string }[]>('campaigns.list', { limit: 100 }),
  ]);
  if (!contacts.ok) return layout(ctx, 'Contacts', null, { ...flash, error: flash.error ?? contacts });
  return contactsPage(
    ctx,
    search,
    contacts.data,
    contacts.nextCursor,
    campaigns.ok ? campaigns.data : [],
    flash,
  );
}

export function registerContacts(router: Router, services: Services): void {
  router.get('/contacts', pageRoute(services, loadContacts));
  // One batch of an import; the browser sends at most 500 rows per request, and the operation refuses more.
  router.post(
    '/contacts/import',
    actionRoute(services, async (ctx, req) => {
      const body = (req.body ?? {}) as { contacts?: unknown; campaign_id?: unknown };
      const campaignId =
        typeof body.campaign_id === 'string' && body.campaign_id !== '' ? body.campaign_id : undefined;
      return {
        result: await ctx.call('contacts.bulk_import', { contacts: body.contacts, campaign_id: campaignId }),
        redirect: '/app/contacts',
        render: loadContacts,
      };
    }),
  );
}
