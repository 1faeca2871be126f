import { z } from 'zod';
import { holdPeriodLimit } from '../../domain/billing/period-limits.ts';
import { ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import { Contact, ContactFields } from '../../domain/contacts/contact-view.ts';
import { prepareOrRefuse } from '../../domain/contacts/prepare-contact.ts';
import { upsertContacts } from '../../domain/contacts/upsert-contacts.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { defineOperation } from '../define-operation.ts';

export const contactsCreate = defineOperation({
  id: 'contacts.create',
  method: 'POST',
  path: '/contacts',
  summary:
    'create a contact; for an email the account already has, answers that contact (201) with the new fields merged in',
  scope: 'write',
  idempotency: 'optional',
  rateLimit: 'contactMutations',
  audit: 'create_contact',
  successStatus: 201,
  errors: ['CONTACT_003', 'CONTACT_009', 'CAMP_001'],
  input: z.strictObject({
    ...ContactFields,
    campaign_id: z.string().optional().describe('also add the contact to this campaign'),
  }),
  output: Contact,
  handler: async (ctx, input) => {
    const { campaign_id: campaign, ...fields } = input;
    const row = prepareOrRefuse(fields);
    const campaignId = campaign ? await ownedCampaignId(ctx.db, ctx.principal, campaign) : null;
    const owner = eventOwnerOf(ctx.principal);
    const hold = owner.agentIdentityId
      ? undefined
      : await holdPeriodLimit(ctx.db, owner.userId, 'contacts', ctx.now);
    const [upserted] = await upsertContacts(ctx.db, owner, [row], {
      now: ctx.now,
      source: 'api',
      campaignId,
    });
    if (!upserted) throw new Error('upsert answered no contact');
    hold?.admit(upserted.result === 'created' ? 1 : 0);
    return {
      data: upserted.contact,
      auditMetadata: { result: upserted.result, ...(campaignId ? { campaign_id: campaignId } : {}) },
    };
  },
});
