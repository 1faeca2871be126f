/**
 * The campaign events (campaign.created / updated / deleted): their data, and whose they are.
 */
import type { Db } from '../../../db/client.ts';
import type { campaigns } from '../../../db/schema.ts';
import { emit } from '../events/emit.ts';
import type { Campaign } from './campaign-view.ts';

type CampaignRow = typeof campaigns.$inferSelect;

export async function emitCampaignEvent(
  tx: Db,
  type: 'campaign.created' | 'campaign.updated' | 'campaign.deleted',
  row: CampaignRow,
  now: Date,
): Promise<void> {
  await emit(
    tx,
    { userId: row.userId, agentIdentityId: row.agentIdentityId },
    type,
    {
      id: row.id,
      name: row.name,
      status: row.status as Campaign['status'],
      objective_type: row.objectiveType,
    },
    now,
  );
}
