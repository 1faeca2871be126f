/**
 * Queues a campaign's run (the engine's job that discovers, drafts and sends), in the caller's
 * transaction; once per campaign whatever calls it again (the job's dedupe key).
 */
import type { Db } from '../../../db/client.ts';
import { enqueue } from '../../jobs/enqueue.ts';

export async function queueCampaignRun(tx: Db, campaignId: string): Promise<void> {
  await enqueue(tx, {
    kind: 'campaign.run',
    payload: { campaign_id: campaignId },
    dedupeKey: `campaign.run:${campaignId}`,
  });
}
