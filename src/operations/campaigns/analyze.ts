import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { campaigns, targetProfiles } from '../../../db/schema.ts';
import { recordGeneration } from '../../domain/ai/generations.ts';
import type { Channel } from '../../domain/campaigns/channels.ts';
import { CampaignIdInput, ownedCampaign } from '../../domain/campaigns/owned-campaigns.ts';
import { Timestamp } from '../../domain/timestamps.ts';
import { ApiError } from '../../errors/api-error.ts';
import { AI_FAILURE_CODES, aiApiError } from '../../integrations/ai/ai-error.ts';
import { CampaignAnalysis, type CampaignBrief } from '../../integrations/ai/campaign-analysis.ts';
import { defineOperation } from '../define-operation.ts';

export const campaignsAnalyze = defineOperation({
  id: 'campaigns.analyze',
  method: 'POST',
  path: '/campaigns/:id/analyze',
  summary:
    'run an AI product/market analysis of a campaign (audience, value propositions, channels, keywords, risks) and store it on the campaign',
  scope: 'generate',
  rateLimit: 'aiGeneration',
  audit: 'analyze_campaign',
  errors: ['CAMP_001', 'AI_003', ...AI_FAILURE_CODES],
  input: z.object(CampaignIdInput),
  output: z.object({
    campaign_id: z.uuid(),
    analysis: CampaignAnalysis,
    analyzed_at: Timestamp,
  }),
  handler: async (ctx, input) => {
    const [campaign] = await ctx.db
      .select()
      .from(campaigns)
      .where(ownedCampaign(ctx.principal, input.id))
      .limit(1);
    if (!campaign) throw new ApiError('CAMP_001');
    const profiles = await ctx.db
      .select()
      .from(targetProfiles)
      .where(eq(targetProfiles.campaignId, campaign.id))
      .orderBy(asc(targetProfiles.createdAt), asc(targetProfiles.id));
    const brief: CampaignBrief = {
      name: campaign.name,
      objectiveType: campaign.objectiveType,
      location: campaign.location,
      radiusMiles: campaign.radiusMiles,
      venueTypes: campaign.venueTypes,
      keywords: campaign.keywords,
      maxResults: campaign.maxResults,
      outreachChannels: campaign.outreachChannels as Channel[],
      followupDays: campaign.followupDays,
      approvalMode: campaign.approvalMode === 'auto' ? 'auto' : 'manual',
      targetProfiles: profiles.map((profile) => ({
        name: profile.name,
        description: profile.description,
        location: profile.location,
        radiusMiles: profile.radiusMiles,
        venueTypes: profile.venueTypes,
        keywords: profile.keywords,
      })),
    };
    let analysis: CampaignAnalysis;
    try {
      // An adapter's answer is checked here, so only an analysis of the documented shape is ever stored.
      analysis = CampaignAnalysis.parse(await ctx.services.ai.analyzeCampaign(brief));
    } catch (error) {
      throw aiApiError(error, 'AI_003');
    }
    // Owned still: a campaign deleted while it was analyzed is not written to.
    const [row] = await ctx.db
      .update(campaigns)
      .set({ analysis, analyzedAt: ctx.now })
      .where(ownedCampaign(ctx.principal, campaign.id))
      .returning({ id: campaigns.id });
    if (!row) throw new ApiError('CAMP_001');
    await recordGeneration(
      ctx.db,
      { userId: campaign.userId, agentIdentityId: campaign.agentIdentityId },
      { type: 'campaign_analysis', model: analysis.model, campaignId: campaign.id, at: ctx.now },
    );
    return {
      data: { campaign_id: row.id, analysis, analyzed_at: ctx.now.toISOString() },
      resourceId: row.id,
      auditMetadata: { model: analysis.model },
    };
  },
});
