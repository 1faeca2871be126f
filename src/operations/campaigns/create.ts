import { z } from 'zod';
import { campaigns } from '../../../db/schema.ts';
import { userIdOf } from '../../domain/api-keys/owned-key.ts';
import { Campaign, CampaignFields, toCampaign } from '../../domain/campaigns/campaign-view.ts';
import { agentIdentityOf } from '../../domain/principal.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const campaignsCreate = defineOperation({
  id: 'campaigns.create',
  method: 'POST',
  path: '/campaigns',
  summary: 'create a new campaign',
  scope: 'write',
  payable: true,
  idempotency: 'optional',
  rateLimit: 'campaignMutations',
  audit: 'create_campaign',
  successStatus: 201,
  errors: ['CAMP_002'],
  input: z.strictObject({
    ...CampaignFields,
    status: z.enum(['draft']).default('draft').describe('new campaigns start as drafts'),
  }),
  output: Campaign,
  handler: async (ctx, input) => {
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
        // A paid campaign runs at once, unless its money moves after this commit: then nobody sees it until it does.
        status: ctx.payment ? (ctx.payment.settlesAfterCommit ? 'pending_payment' : 'active') : input.status,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning();
    if (!row) throw new ApiError('CAMP_002');
    return { data: toCampaign(row), auditMetadata: { name: row.name, objective_type: row.objectiveType } };
  },
});
