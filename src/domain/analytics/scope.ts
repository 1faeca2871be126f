/**
 * What analytics count for a principal. An account counts its own rows and never an agent identity's;
 * an agent counts only its identity's rows (the ownership rule of contacts and campaigns). Messages of
 * a deleted campaign are left out, so the totals stay the sum over the campaigns one can still list
 * (plus messages sent outside a campaign).
 */
import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import { campaigns } from '../../../db/schema.ts';
import { userIdOf } from '../api-keys/owned-key.ts';
import { agentIdentityOf, type Principal } from '../principal.ts';

/** Owner condition on a table's user_id and agent_identity_id columns (an aliased table too). */
export function ownedBy(
  principal: Principal,
  columns: { userId: SQLWrapper; agentIdentityId: SQLWrapper },
): SQL {
  const identity = agentIdentityOf(principal);
  return identity
    ? sql`${columns.agentIdentityId} = ${identity}::uuid`
    : sql`(${columns.userId} = ${userIdOf(principal)}::uuid and ${columns.agentIdentityId} is null)`;
}

/** True when the row's campaign (if any) is not deleted. */
export function campaignLive(campaignId: SQLWrapper): SQL {
  return sql`not exists (select 1 from ${campaigns} where ${campaigns.id} = ${campaignId} and ${campaigns.deletedAt} is not null)`;
}

/** A rate of two counts, 0 when nothing was counted, rounded to 4 decimals. */
export function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 10_000;
}
