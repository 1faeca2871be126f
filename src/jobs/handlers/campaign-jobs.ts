/**
 * The campaign engine's jobs: `campaign.run` (discovery, then a drafting job per contact) and
 * `campaign.draft` (one contact's messages), `campaign.complete` (completed when nothing is left). The work is in src/domain/engine; these read the payload.
 */
import { z } from 'zod';
import { completeIfDone } from '../../domain/engine/complete-campaign.ts';
import { draftCampaignContact } from '../../domain/engine/draft-job.ts';
import { runCampaign } from '../../domain/engine/run-campaign.ts';
import type { JobHandler } from '../../services.ts';

const RunPayload = z.object({ campaign_id: z.uuid() });
const DraftPayload = z.object({ campaign_id: z.uuid(), contact_id: z.uuid() });

export const runCampaignJob: JobHandler = async (ctx) => {
  const { campaign_id } = RunPayload.parse(ctx.job.payload);
  await runCampaign({
    db: ctx.db,
    services: ctx.services,
    campaignId: campaign_id,
    now: ctx.now,
    attempt: ctx.job.attempts,
    signal: ctx.signal,
  });
};

export const draftCampaignJob: JobHandler = async (ctx) => {
  const payload = DraftPayload.parse(ctx.job.payload);
  await draftCampaignContact(
    ctx.db,
    ctx.services,
    { campaignId: payload.campaign_id, contactId: payload.contact_id },
    ctx.now,
  );
};

export const completeCampaignJob: JobHandler = async (ctx) => {
  const { campaign_id } = RunPayload.parse(ctx.job.payload);
  await completeIfDone(ctx.db, campaign_id, ctx.now);
};
