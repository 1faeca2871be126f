/**
 * Which campaigns a principal may see: its own account's (or its agent identity's), never deleted
 * ones nor ones still waiting for their payment to settle. Everything else is "not found".
 */
import { and, eq, isNull, ne, type SQL } from 'drizzle-orm';
import { campaigns } from '../../../db/schema.ts';
import { userIdOf } from '../api-keys/owned-key.ts';
import { agentIdentityOf, type Principal } from '../principal.ts';

export function ownedCampaigns(principal: Principal): SQL {
  const identity = agentIdentityOf(principal);
  // An agent sees the campaigns its identity paid for; an account never sees agents' campaigns.
  const owner = identity
    ? eq(campaigns.agentIdentityId, identity)
    : and(eq(campaigns.userId, userIdOf(principal)), isNull(campaigns.agentIdentityId));
  return and(owner, isNull(campaigns.deletedAt), ne(campaigns.status, 'pending_payment')) as SQL;
}
