/**
 * A campaign's run (the `campaign.run` job): while the campaign is active, discover contacts up to its
 * contact allotment, then queue the drafting of every contact in it (`campaign.draft`, one job per
 * contact, so drafts are made and retried contact by contact). A paused or completed campaign takes no
 * new step; resuming queues a new run that continues where it stopped (drafting is idempotent).
 *
 * Discovery failing is retried with the job; on the last attempt the run gives up with a notification
 * (and the failed discovery job visible in discovery.jobs), never a silently stuck campaign. A run that
 * ends with no contact at all says so the same way; a paid agent campaign is refunded then.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { campaigns } from '../../../db/schema.ts';
import { campaignContacts } from '../../../db/schema-contacts.ts';
import { ApiError } from '../../errors/api-error.ts';
import { DiscoveryFailure } from '../../integrations/discovery/discovery-port.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import type { Services } from '../../services.ts';
import { allotmentOf } from '../campaigns/allotment.ts';
import { emitCampaignEvent } from '../campaigns/campaign-events.ts';
import { discoverForCampaign } from '../discovery/discover-for-campaign.ts';
import { notify } from '../notifications/notify.ts';
import { type CampaignRefund, refundCampaign } from '../payments/refund-campaign.ts';

/** Refusals of the plan's period limits (discovery searches, contacts): final for this period. */
const QUOTA_CODES = new Set<string>(['DISCOVERY_008', 'BILLING_010', 'CONTACT_009']);

/** Attempts of a run whose discovery fails before the run gives up. */
export const DISCOVERY_ATTEMPTS = 3;

export type RunOutcome =
  | { state: 'not_active'; status: string }
  | { state: 'queued_drafts'; discovered: number; contacts: number }
  | { state: 'no_contacts'; reason: string; refund?: CampaignRefund['kind'] };

export interface RunContext {
  db: Db;
  services: Pick<Services, 'discovery'>;
  campaignId: string;
  now: Date;
  /** This attempt's number, from 1. */
  attempt: number;
  signal?: AbortSignal;
}

/**
 * A run that cannot reach anyone. An account's campaign stays as it is and its account is told; an
 * agent's paid campaign is refunded (credits back, or a refund owed on its payment) and completed, in
 * this transaction — the agent sees it in the campaign's status and its credit history or payment.
 */
async function giveUp(
  ctx: RunContext,
  campaign: typeof campaigns.$inferSelect,
  reason: string,
): Promise<RunOutcome> {
  if (campaign.agentIdentityId === null) {
    await notify(ctx.db, campaign.userId, 'campaign.failed', { campaign_id: campaign.id, reason }, ctx.now);
    return { state: 'no_contacts', reason };
  }
  const refund = await refundCampaign(ctx.db, campaign.id, `the campaign could not run: ${reason}`, ctx.now);
  const [row] = await ctx.db
    .update(campaigns)
    .set({ status: 'completed', completedAt: ctx.now, updatedAt: ctx.now })
    .where(eq(campaigns.id, campaign.id))
    .returning();
  if (row) await emitCampaignEvent(ctx.db, 'campaign.updated', row, ctx.now);
  return { state: 'no_contacts', reason, refund: refund.kind };
}

export async function runCampaign(ctx: RunContext): Promise<RunOutcome> {
  // One run of a campaign at a time (a resume may queue one while another still discovers); the
  // campaign row itself is not locked during discovery, which can take a provider's whole time budget:
  // a person pausing meanwhile is answered at once, and the run checks the status again before drafting.
  await ctx.db.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`campaign.run:${ctx.campaignId}`}, 0))`,
  );
  const [campaign] = await ctx.db.select().from(campaigns).where(eq(campaigns.id, ctx.campaignId));
  if (!campaign) return { state: 'not_active', status: 'missing' };
  if (campaign.status !== 'active') return { state: 'not_active', status: campaign.status };

  const linked = () =>
    ctx.db
      .select({ contactId: campaignContacts.contactId })
      .from(campaignContacts)
      .where(eq(campaignContacts.campaignId, campaign.id));
  const before = (await linked()).length;
  const needed = allotmentOf(campaign).contacts - before;
  let discovered = 0;
  if (needed > 0) {
    try {
      const found = await discoverForCampaign(ctx.db, ctx.services, campaign, {
        limit: needed,
        now: ctx.now,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      discovered = found.added.filter((contact) => contact.result === 'created').length;
    } catch (error) {
      if (!(error instanceof DiscoveryFailure) && !(error instanceof ApiError)) throw error;
      // A spent quota does not come back by retrying; a provider's failure may.
      const final = error instanceof ApiError && QUOTA_CODES.has(error.code);
      if (!final && ctx.attempt < DISCOVERY_ATTEMPTS) throw error;
      if (before === 0) return giveUp(ctx, campaign, `discovery failed: ${error.message}`);
    }
  }
  // Paused, completed or deleted while discovering: what was found stays, nothing more is started.
  // No row lock: the discovered links already hold a key-share lock on the campaign, and asking for a
  // stronger one behind a waiting status change would deadlock with it. A change committing after this
  // read is seen by each drafting job, which checks the status itself.
  const [current] = await ctx.db
    .select({ status: campaigns.status })
    .from(campaigns)
    .where(eq(campaigns.id, campaign.id));
  if (current?.status !== 'active') return { state: 'not_active', status: current?.status ?? 'missing' };
  const contactIds = (await linked()).map((row) => row.contactId);
  if (contactIds.length === 0) return giveUp(ctx, campaign, 'discovery found no contacts for this campaign');
  for (const contactId of contactIds) {
    await enqueue(ctx.db, {
      kind: 'campaign.draft',
      payload: { campaign_id: campaign.id, contact_id: contactId },
      dedupeKey: `campaign.draft:${campaign.id}:${contactId}:${ctx.now.getTime()}`,
    });
  }
  return { state: 'queued_drafts', discovered, contacts: contactIds.length };
}
