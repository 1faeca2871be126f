/**
 * Debits whose campaign was never created: the debit commits before the campaign's transaction, so a
 * process that dies in between leaves one behind. Credits pay for campaigns only, so a debit names a
 * campaign id; one with no campaign long after it was booked, and not yet reversed, is owed back.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../../db/client.ts';

export interface OrphanDebit {
  id: string;
  identityId: string;
  campaignId: string;
  credits: number;
}

export async function orphanDebits(db: Db, bookedBefore: Date, limit: number): Promise<OrphanDebit[]> {
  const rows = await queryRows<{ id: string; identity_id: string; campaign_id: string; credits: number }>(
    db,
    sql`select d.id, d.identity_id, d.campaign_id, d.credits from credit_entries d
        where d.kind = 'debit' and d.created_at < ${bookedBefore.toISOString()}::timestamptz
          and not exists (select 1 from campaigns c where c.id = d.campaign_id)
          and not exists (select 1 from credit_entries r where r.reverses_entry_id = d.id)
        limit ${limit}`,
  );
  return rows.map((row) => ({
    id: row.id,
    identityId: row.identity_id,
    campaignId: row.campaign_id,
    credits: -Number(row.credits),
  }));
}
