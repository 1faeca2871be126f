import { z } from 'zod';
import { ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import { Contact, toContact } from '../../domain/contacts/contact-view.ts';
import { ContactSearch, contactsPageQuery } from '../../domain/contacts/contacts-page.ts';
import { PaginationInput, pageOf } from '../../domain/pagination.ts';
import { defineOperation } from '../define-operation.ts';

export const contactsList = defineOperation({
  id: 'contacts.list',
  method: 'GET',
  path: '/contacts',
  summary: 'list contacts, newest first; search by name, email, company or handle, or keep one campaign’s',
  scope: 'read',
  paginated: true,
  errors: ['CAMP_001'],
  input: z.object({
    search: ContactSearch.optional(),
    campaign_id: z.string().optional().describe('only the contacts of this campaign'),
    ...PaginationInput,
  }),
  output: z.array(Contact),
  handler: async (ctx, input) => {
    const campaignId = input.campaign_id
      ? await ownedCampaignId(ctx.db, ctx.principal, input.campaign_id)
      : undefined;
    const rows = await contactsPageQuery(ctx.db, ctx.principal, { ...input, campaignId });
    const page = pageOf(rows, input.limit);
    return { data: page.rows.map(toContact), meta: { pagination: page.pagination } };
  },
});
