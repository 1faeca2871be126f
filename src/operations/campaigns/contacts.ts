import { z } from 'zod';
import { CampaignIdInput, ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import { Contact, toContact } from '../../domain/contacts/contact-view.ts';
import { ContactSearch, contactsPageQuery } from '../../domain/contacts/contacts-page.ts';
import { PaginationInput, pageOf } from '../../domain/pagination.ts';
import { defineOperation } from '../define-operation.ts';

export const campaignsContacts = defineOperation({
  id: 'campaigns.contacts',
  method: 'GET',
  path: '/campaigns/:id/contacts',
  summary: 'list the contacts in a campaign, newest first',
  scope: 'read',
  paginated: true,
  errors: ['CAMP_001'],
  input: z.object({ ...CampaignIdInput, search: ContactSearch.optional(), ...PaginationInput }),
  output: z.array(Contact),
  handler: async (ctx, input) => {
    const campaignId = await ownedCampaignId(ctx.db, ctx.principal, input.id);
    const rows = await contactsPageQuery(ctx.db, ctx.principal, { ...input, campaignId });
    const page = pageOf(rows, input.limit);
    return { data: page.rows.map(toContact), meta: { pagination: page.pagination } };
  },
});
