/**
 * A campaign an agent pays for is created waiting for its payment (`pending_payment`), invisible to
 * lists and never run, until the payment is final: then it becomes active and its run is queued; when
 * nothing was charged it is removed. These are campaigns.create's payment hooks.
 */

import { and, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { campaigns } from '../../../db/schema.ts';
import { emitCampaignEvent } from './campaign-events.ts';
import { queueCampaignRun } from './campaign-run.ts';
import { type Campaign, toCampaign } from './campaign-view.ts';

/** The campaign, active with its run queued; undefined when no campaign waits under this id. */
export async function activatePendingCampaign(
  tx: Db,
  campaignId: string,
  now: Date,
): Promise<Campaign | undefined> {
  const [row] = await tx
    .update(campaigns)
    .set({ status: 'active', updatedAt: now })
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.status, 'pending_payment')))
    .returning();
  if (!row) return undefined;
  // Independent statements of one transaction, sent together: the driver pipelines them on its connection.
  await Promise.all([emitCampaignEvent(tx, 'campaign.created', row, now), queueCampaignRun(tx, row.id)]);
  return toCampaign(row);
}

/** Nothing was charged: the campaign waiting for the payment disappears. */
export async function removePendingCampaign(tx: Db, campaignId: string): Promise<void> {
  await tx
    .delete(campaigns)
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.status, 'pending_payment')));
}

export async function pendingCampaignView(db: Db, campaignId: string): Promise<Campaign | null> {
  const [row] = await db.select().from(campaigns).where(eq(campaigns.id, campaignId));
  return row ? toCampaign(row) : null;
}
