/**
 * Which campaigns a principal may see: its own account's, never deleted ones. Everything else is
 * "not found".
 */
import { and, eq, isNull, type SQL } from 'drizzle-orm';
import { campaigns } from '../../../db/schema.ts';
import { userIdOf } from '../api-keys/owned-key.ts';
import type { Principal } from '../principal.ts';

export function ownedCampaigns(principal: Principal): SQL {
  return and(eq(campaigns.userId, userIdOf(principal)), isNull(campaigns.deletedAt)) as SQL;
}
