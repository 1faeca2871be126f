/**
 * Which campaigns a principal may see: its own account's (or its agent identity's), never deleted
 * ones nor ones still waiting for their payment to settle. Everything else is "not found".
 */
import { and, eq, isNull, ne, type SQL } from 'drizzle-orm';
import { z } from 'zod';
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
