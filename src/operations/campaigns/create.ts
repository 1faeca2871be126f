import { z } from 'zod';
import { campaigns } from '../../../db/schema.ts';
import { userIdOf } from '../../domain/api-keys/owned-key.ts';
import { holdPeriodLimit } from '../../domain/billing/period-limits.ts';
import { emitCampaignEvent } from '../../domain/campaigns/campaign-events.ts';
import { Campaign, CampaignFields, toCampaign } from '../../domain/campaigns/campaign-view.ts';
import {
  activatePendingCampaign,
  pendingCampaignView,
  removePendingCampaign,
} from '../../domain/campaigns/pending-campaign.ts';
import { CAMPAIGN_PRICE } from '../../domain/pricing.ts';
import { agentIdentityOf } from '../../domain/principal.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const campaignsCreate = defineOperation({
  id: 'campaigns.create',
  method: 'POST',
  path: '/campaigns',
  summary: 'create a new campaign',
  scope: 'write',
  payment: {
    price: CAMPAIGN_PRICE,
    credits: 1,
    deferred: {
      activate: activatePendingCampaign,
      undo: removePendingCampaign,
      view: pendingCampaignView,
    },
  },
  idempotency: 'optional',
  rateLimit: 'campaignMutations',
  audit: 'create_campaign',
  successStatus: 201,
  errors: ['CAMP_002', 'PAYMENT_008', 'PAYMENT_009'],
  input: z.strictObject({
    ...CampaignFields,
    status: z.enum(['draft']).default('draft').describe('new campaigns start as drafts'),
  }),
  output: Campaign,
  handler: async (ctx, input) => {
    // An account's campaigns count against its plan; an agent's payment buys its campaign outright.
    if (!ctx.payment && agentIdentityOf(ctx.principal) === null) {
      const hold = await holdPeriodLimit(ctx.db, userIdOf(ctx.principal), 'campaigns', ctx.now);
      hold.admit(1);
    }
    const [row] = await ctx.db
      .insert(campaigns)
      .values({
        ...(ctx.newId ? { id: ctx.newId } : {}),
        userId: userIdOf(ctx.principal),
        agentIdentityId: agentIdentityOf(ctx.principal),
        name: input.name,
        objectiveType: input.objective_type,
        location: input.location ?? null,
        radiusMiles: input.radius_miles ?? null,
        venueTypes: input.venue_types,
        keywords: input.keywords,
        maxResults: input.max_results,
        outreachChannels: input.outreach_channels,
        followupDays: input.followup_days,
        sendWindow: input.send_window ?? null,
        dailySendCap: input.daily_send_cap ?? null,
        // Agents' campaigns run unattended: their drafts are approved as they are made.
        approvalMode: ctx.payment ? 'auto' : input.approval_mode,
        // A paid campaign waits for its payment to be final; activatePendingCampaign then makes it run.
        status: ctx.payment ? 'pending_payment' : input.status,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    if (!row) throw new ApiError('CAMP_002');
    // A paid campaign exists for its owner once its payment is final (activatePendingCampaign).
    if (!ctx.payment) await emitCampaignEvent(ctx.db, 'campaign.created', row, ctx.now);
    return { data: toCampaign(row), auditMetadata: { name: row.name, objective_type: row.objectiveType } };
  },
});
