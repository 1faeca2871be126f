import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { campaigns } from '../../../db/schema.ts';
import { campaignContacts, contacts } from '../../../db/schema-contacts.ts';
import { messages } from '../../../db/schema-messages.ts';
import { Engagement, EngagementByChannel, engagementByChannel } from '../../domain/analytics/engagement.ts';
import { ResponseTime, responseTimes } from '../../domain/analytics/response-time.ts';
import { CAMPAIGN_STATUSES } from '../../domain/campaigns/campaign-view.ts';
import { CampaignIdInput, ownedCampaign } from '../../domain/campaigns/owned-campaigns.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

const Count = z.number().int();

export const analyticsCampaign = defineOperation({
  id: 'analytics.campaign',
  method: 'GET',
  path: '/analytics/campaigns/:id',
  summary:
    'analytics of one campaign: its contacts, drafts waiting, engagement in all and per channel (sent = accepted by the channel; replied = contacts who answered after one of the campaign’s messages; reply rate = replied / contacts sent to) and time to the first reply',
  scope: 'read',
  errors: ['CAMP_001'],
  input: z.object(CampaignIdInput),
  output: z.object({
    campaign: z.object({ id: z.uuid(), name: z.string(), status: z.enum(CAMPAIGN_STATUSES) }),
    contacts: Count.describe('contacts in the campaign (not deleted)'),
    pending_approval: Count.describe('drafts waiting for a person'),
    totals: Engagement,
    by_channel: EngagementByChannel,
    response_time: ResponseTime.describe('from our first message of a conversation to the first reply'),
  }),
  handler: async (ctx, input) => {
    // The subqueries name the campaign by the id asked for: the where clause keeps it only when owned.
    const [campaign] = await ctx.db
      .select({
        id: campaigns.id,
        name: campaigns.name,
        status: campaigns.status,
        contacts: sql<number>`(select count(*) from ${campaignContacts} join ${contacts} on ${contacts.id} = ${campaignContacts.contactId} where ${campaignContacts.campaignId} = ${input.id}::uuid and ${contacts.deletedAt} is null)::int`,
        pending: sql<number>`(select count(*) from ${messages} where ${messages.campaignId} = ${input.id}::uuid and ${messages.status} = 'pending_approval')::int`,
      })
      .from(campaigns)
      .where(ownedCampaign(ctx.principal, input.id));
    if (!campaign) throw new ApiError('CAMP_001');
    const scope = { principal: ctx.principal, campaignId: campaign.id };
    const [engagement, responseTime] = await Promise.all([
      engagementByChannel(ctx.db, scope),
      responseTimes(ctx.db, scope),
    ]);
    return {
      data: {
        campaign: {
          id: campaign.id,
          name: campaign.name,
          status: campaign.status as (typeof CAMPAIGN_STATUSES)[number],
        },
        contacts: campaign.contacts,
        pending_approval: campaign.pending,
        ...engagement,
        response_time: responseTime.totals,
      },
    };
  },
});
