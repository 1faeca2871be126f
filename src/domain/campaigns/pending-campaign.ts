/**
 * A campaign an agent pays for is created waiting for its payment (`pending_payment`), invisible to
 * lists and never run, until the payment is final: then it becomes active and its run is queued, in one
 * statement; when nothing was charged it is removed. These are campaigns.create's payment hooks.
 */
import { and, eq, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../../db/client.ts';
import { rowOf } from '../../../db/row-of.ts';
import { campaigns } from '../../../db/schema.ts';
import { jobs } from '../../../db/schema-jobs.ts';
import { type Campaign, toCampaign } from './campaign-view.ts';

/** The campaign, active with its run queued; undefined when no campaign waits under this id. */
export async function activatePendingCampaign(
  tx: Db,
  campaignId: string,
  now: Date,
): Promise<Campaign | undefined> {
  const [raw] = await queryRows<Record<string, unknown>>(
    tx,
    sql`with activated as (
      update ${campaigns} set status = 'active', updated_at = ${now.toISOString()}::timestamptz
      where id = ${campaignId}::uuid and status = 'pending_payment'
      returning *
    ), queued as (
      insert into ${jobs} (kind, payload, dedupe_key)
      select 'campaign.run', jsonb_build_object('campaign_id', activated.id), 'campaign.run:' || activated.id
      from activated
      on conflict do nothing
    )
    select * from activated`,
  );
  return raw ? toCampaign(rowOf(campaigns, raw)) : undefined;
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
