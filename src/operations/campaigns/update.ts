import { z } from 'zod';
import { campaigns } from '../../../db/schema.ts';
import { emitCampaignEvent } from '../../domain/campaigns/campaign-events.ts';
import { Campaign, CampaignChanges, toCampaign } from '../../domain/campaigns/campaign-view.ts';
import { CampaignIdInput, ownedCampaign } from '../../domain/campaigns/owned-campaigns.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const campaignsUpdate = defineOperation({
  id: 'campaigns.update',
  method: 'PATCH',
  path: '/campaigns/:id',
  summary: 'update the fields a campaign was created with (all but its status)',
  scope: 'write',
  // A wallet that paid may manage its campaigns by signing in (SIWX) instead of with its agent key; a
  // payment header shown again proves too little to change anything.
  agentProof: 'sign-in',
  rateLimit: 'campaignMutations',
  audit: 'update_campaign',
  errors: ['CAMP_001'],
  input: z.strictObject({ ...CampaignIdInput, ...CampaignChanges }),
  output: Campaign,
  handler: async (ctx, input) => {
    const { id, ...fields } = input;
    const changes = {
      ...(fields.name !== undefined ? { name: fields.name } : {}),
      ...(fields.objective_type !== undefined ? { objectiveType: fields.objective_type } : {}),
      ...(fields.location !== undefined ? { location: fields.location } : {}),
      ...(fields.radius_miles !== undefined ? { radiusMiles: fields.radius_miles } : {}),
      ...(fields.venue_types !== undefined ? { venueTypes: fields.venue_types } : {}),
      ...(fields.keywords !== undefined ? { keywords: fields.keywords } : {}),
      ...(fields.max_results !== undefined ? { maxResults: fields.max_results } : {}),
      ...(fields.outreach_channels !== undefined ? { outreachChannels: fields.outreach_channels } : {}),
      ...(fields.followup_days !== undefined ? { followupDays: fields.followup_days } : {}),
      ...(fields.approval_mode !== undefined ? { approvalMode: fields.approval_mode } : {}),
      ...(fields.send_window !== undefined ? { sendWindow: fields.send_window } : {}),
      ...(fields.daily_send_cap !== undefined ? { dailySendCap: fields.daily_send_cap } : {}),
    };
    const [row] = await ctx.db
      .update(campaigns)
      .set({ ...changes, updatedAt: ctx.now })
      .where(ownedCampaign(ctx.principal, id))
      .returning();
    if (!row) throw new ApiError('CAMP_001');
    await emitCampaignEvent(ctx.db, 'campaign.updated', row, ctx.now);
    return { data: toCampaign(row), auditMetadata: { fields: Object.keys(fields).sort() } };
  },
});
