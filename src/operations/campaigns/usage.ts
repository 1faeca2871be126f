import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { queryRows } from '../../../db/client.ts';
import { campaigns } from '../../../db/schema.ts';
import { allotmentOf } from '../../domain/campaigns/allotment.ts';
import { CampaignIdInput, ownedCampaign } from '../../domain/campaigns/owned-campaigns.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

const Count = z.number().int();
const Amounts = z.object({ contacts: Count, messages: Count });

const STAGES = [
  'discovered',
  'drafted',
  'pending_approval',
  'approved',
  'sent',
  'failed',
  'replied',
] as const;

interface StageRow {
  discovered: number;
  drafted: number;
  pending_approval: number;
  approved: number;
  sent: number;
  failed: number;
  replied: number;
  messages_used: number;
}

export const campaignsUsage = defineOperation({
  id: 'campaigns.usage',
  method: 'GET',
  path: '/campaigns/:id/usage',
  summary: 'what a campaign has used of its allotment, and how many contacts and messages are at each stage',
  scope: 'read',
  // A wallet that paid may read its campaigns by proving itself (SIWX) instead of with its agent key.
  agentProof: true,
  errors: ['CAMP_001'],
  input: z.object(CampaignIdInput),
  output: z.object({
    campaign_id: z.uuid(),
    allotment: Amounts.describe(
      'agents’ paid campaigns: 30 contacts, 240 messages; accounts’: from max_results',
    ),
    used: Amounts.describe('contacts added; messages drafted and not rejected'),
    remaining: Amounts,
    stages: z
      .object(
        Object.fromEntries(STAGES.map((stage) => [stage, Count])) as Record<
          (typeof STAGES)[number],
          typeof Count
        >,
      )
      .describe(
        'discovered: contacts in the campaign; drafted: messages written; pending_approval: waiting for a person; approved: cleared to send; sent: sent or delivered; failed: failed or bounced; replied: contacts who answered',
      ),
  }),
  handler: async (ctx, input) => {
    const [campaign] = await ctx.db.select().from(campaigns).where(ownedCampaign(ctx.principal, input.id));
    if (!campaign) throw new ApiError('CAMP_001');
    // One pass over the campaign's messages, counting each stage with a filter.
    const [counts] = await queryRows<StageRow>(
      ctx.db,
      sql`select
        (select count(*) from campaign_contacts where campaign_id = ${campaign.id})::int as discovered,
        count(*) filter (where direction = 'outbound')::int as drafted,
        count(*) filter (where status = 'pending_approval')::int as pending_approval,
        count(*) filter (where status in ('approved', 'queued'))::int as approved,
        count(*) filter (where status in ('sent', 'delivered'))::int as sent,
        count(*) filter (where status in ('failed', 'bounced'))::int as failed,
        count(distinct contact_id) filter (where direction = 'inbound')::int as replied,
        count(*) filter (where direction = 'outbound' and status <> 'rejected')::int as messages_used
      from messages where campaign_id = ${campaign.id}`,
    );
    if (!counts) throw new Error('the usage query answered no row');
    const allotment = allotmentOf(campaign);
    const used = { contacts: counts.discovered, messages: counts.messages_used };
    return {
      data: {
        campaign_id: campaign.id,
        allotment,
        used,
        remaining: {
          contacts: Math.max(0, allotment.contacts - used.contacts),
          messages: Math.max(0, allotment.messages - used.messages),
        },
        stages: {
          discovered: counts.discovered,
          drafted: counts.drafted,
          pending_approval: counts.pending_approval,
          approved: counts.approved,
          sent: counts.sent,
          failed: counts.failed,
          replied: counts.replied,
        },
      },
    };
  },
});
