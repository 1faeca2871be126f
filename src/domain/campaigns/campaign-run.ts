/**
 * Queues a campaign's run (the engine's job that discovers contacts and drafts their messages), in the
 * caller's transaction. The first activation queues it once whatever calls it again (the job's dedupe
 * key); a resume queues a run of its own, which continues where the paused one stopped.
 */
import type { Db } from '../../../db/client.ts';
import { enqueue } from '../../jobs/enqueue.ts';

export async function queueCampaignRun(tx: Db, campaignId: string, resumedAt?: Date): Promise<void> {
  await enqueue(tx, {
    kind: 'campaign.run',
    payload: { campaign_id: campaignId },
    dedupeKey: resumedAt
      ? `campaign.run:${campaignId}:resume:${resumedAt.getTime()}`
      : `campaign.run:${campaignId}`,
  });
}
