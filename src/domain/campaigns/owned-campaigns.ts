/**
 * Which campaigns a principal may see: its own account's (or its agent identity's), never deleted
 * ones nor ones still waiting for their payment to settle. Everything else is "not found".
 */
import { and, eq, isNull, ne, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { campaigns } from '../../../db/schema.ts';
import { ApiError } from '../../errors/api-error.ts';
import { userIdOf } from '../api-keys/owned-key.ts';
import { agentIdentityOf, type Principal } from '../principal.ts';

const Uuid = z.uuid();

/** The path parameter naming one campaign. */
export const CampaignIdInput = { id: z.string().describe('campaign id') };

export function ownedCampaigns(principal: Principal): SQL {
  const identity = agentIdentityOf(principal);
  // An agent sees the campaigns its identity paid for; an account never sees agents' campaigns.
  const owner = identity
    ? eq(campaigns.agentIdentityId, identity)
    : and(eq(campaigns.userId, userIdOf(principal)), isNull(campaigns.agentIdentityId));
  return and(owner, isNull(campaigns.deletedAt), ne(campaigns.status, 'pending_payment')) as SQL;
}

/** Campaign `id` if the principal may see it; an id that cannot name a campaign is CAMP_001 at once. */
export function ownedCampaign(principal: Principal, id: string): SQL {
  if (!Uuid.safeParse(id).success) throw new ApiError('CAMP_001');
  return and(eq(campaigns.id, id), ownedCampaigns(principal)) as SQL;
}

/**
 * The id of campaign `id` when the principal may see it, else CAMP_001. `lock`: the row stays locked
 * for the transaction, so what is decided about the campaign is decided one request at a time.
 */
export async function ownedCampaignId(
  db: Db,
  principal: Principal,
  id: string,
  options: { lock?: boolean } = {},
): Promise<string> {
  const query = db.select({ id: campaigns.id }).from(campaigns).where(ownedCampaign(principal, id));
  const [row] = options.lock ? await query.for('no key update') : await query;
  if (!row) throw new ApiError('CAMP_001');
  return row.id;
}
