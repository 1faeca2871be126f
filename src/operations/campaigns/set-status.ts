import { count, eq } from 'drizzle-orm';
import { z } from 'zod';
import { campaigns, targetProfiles } from '../../../db/schema.ts';
import { campaignContacts } from '../../../db/schema-contacts.ts';
import { emitCampaignEvent } from '../../domain/campaigns/campaign-events.ts';
import { queueCampaignRun } from '../../domain/campaigns/campaign-run.ts';
import { CAMPAIGN_STATUSES, Campaign, toCampaign } from '../../domain/campaigns/campaign-view.ts';
import { CampaignIdInput, ownedCampaign } from '../../domain/campaigns/owned-campaigns.ts';
import { statusMove } from '../../domain/campaigns/status-machine.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const campaignsSetStatus = defineOperation({
  id: 'campaigns.set_status',
  method: 'POST',
  path: '/campaigns/:id/status',
  summary: 'activate, pause, resume or complete a campaign (draft → active ⇄ paused → completed)',
  scope: 'write',
  // A wallet that paid may manage its campaigns by signing in (SIWX) instead of with its agent key; a
  // payment header shown again proves too little to change anything.
  agentProof: 'sign-in',
  rateLimit: 'campaignMutations',
  audit: 'update_campaign',
  errors: ['CAMP_001', 'CAMP_005', 'CAMP_007', 'CAMP_008'],
  input: z.object({
    ...CampaignIdInput,
    status: z.enum(CAMPAIGN_STATUSES).describe('active, paused or completed'),
  }),
  output: Campaign,
  handler: async (ctx, input) => {
    // Locked: two moves of one campaign are decided one after the other, each on the status it left.
    const [current] = await ctx.db
      .select()
      .from(campaigns)
      .where(ownedCampaign(ctx.principal, input.id))
      .for('no key update');
    if (!current) throw new ApiError('CAMP_001');
    const from = current.status as (typeof CAMPAIGN_STATUSES)[number];
    const activating = from === 'draft' && input.status === 'active';
    // Only a draft's activation asks what it has to work on.
    const counted = (table: typeof targetProfiles | typeof campaignContacts) =>
      ctx.db.select({ n: count() }).from(table).where(eq(table.campaignId, current.id));
    const [profiles] = activating ? await counted(targetProfiles) : [];
    const [linked] = activating ? await counted(campaignContacts) : [];
    const move = statusMove(from, input.status, {
      contacts: linked?.n ?? 0,
      targetProfiles: profiles?.n ?? 0,
      location: current.location,
      keywords: current.keywords,
      venueTypes: current.venueTypes,
    });
    if (!move.ok) throw new ApiError(move.code, move.message);
    const [row] = await ctx.db
      .update(campaigns)
      .set({
        status: input.status,
        updatedAt: ctx.now,
        ...(input.status === 'completed' ? { completedAt: ctx.now } : {}),
      })
      .where(eq(campaigns.id, current.id))
      .returning();
    if (!row) throw new ApiError('CAMP_001');
    await emitCampaignEvent(ctx.db, 'campaign.updated', row, ctx.now);
    if (activating) {
      // The campaign's run starts with its first activation, queued with the change.
      await queueCampaignRun(ctx.db, row.id);
    } else if (from === 'paused' && input.status === 'active') {
      // Resumed: a new run continues where the paused one stopped.
      await queueCampaignRun(ctx.db, row.id, ctx.now);
    }
    return { data: toCampaign(row), auditMetadata: { from, to: input.status } };
  },
});
