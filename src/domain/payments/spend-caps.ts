/**
 * Spend caps an agent identity (or the operator for it) sets: most it pays per UTC day and per campaign,
 * in US cents. A paid call that would pass one is refused with PAYMENT_008 before any money moves. The
 * check runs in the transaction that reserves the payment, holding the identity's row, so parallel
 * payments of one identity are counted one after the other and can never overshoot together.
 */
import { and, eq, gte, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { mppCharges } from '../../../db/schema-credits.ts';
import { agentIdentities, x402Authorizations } from '../../../db/schema-payments.ts';
import { ApiError } from '../../errors/api-error.ts';

/** USDC atomic units (6 decimals) per US cent. */
const ATOMIC_PER_CENT = 10_000n;

export const SpendCaps = z.object({
  identity_id: z.uuid(),
  daily_cap_cents: z.number().int().nullable().describe('most paid per UTC day, in US cents; null: no cap'),
  per_campaign_cap_cents: z
    .number()
    .int()
    .nullable()
    .describe('most one paid campaign may cost, in US cents; null: no cap'),
  spent_today_cents: z.number().int().describe('paid or being paid this UTC day, in US cents'),
});
export type SpendCaps = z.infer<typeof SpendCaps>;

/** US cents of a USDC amount, rounded up (a cap is never passed by a fraction of a cent). */
export function centsOfUsdc(atomic: bigint): number {
  return Number((atomic + ATOMIC_PER_CENT - 1n) / ATOMIC_PER_CENT);
}

function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/** What the identity paid, or reserved to pay, since `since`, in cents; failed payments charged nothing. */
async function spentSince(db: Db, identityId: string, since: Date): Promise<number> {
  const [x402] = await db
    .select({ atomic: sql<string>`coalesce(sum(${x402Authorizations.amountAtomic}), 0)::text` })
    .from(x402Authorizations)
    .where(
      and(
        eq(x402Authorizations.identityId, identityId),
        gte(x402Authorizations.createdAt, since),
        ne(x402Authorizations.state, 'failed'),
      ),
    );
  const [mpp] = await db
    .select({ cents: sql<string>`coalesce(sum(${mppCharges.amountCents}), 0)::text` })
    .from(mppCharges)
    .where(
      and(
        eq(mppCharges.identityId, identityId),
        gte(mppCharges.createdAt, since),
        ne(mppCharges.state, 'failed'),
      ),
    );
  return centsOfUsdc(BigInt(x402?.atomic ?? '0')) + Number(mpp?.cents ?? '0');
}

/**
 * Refuses (PAYMENT_008) a payment of `costCents` that would pass the identity's caps; holds the
 * identity's row until the caller's transaction ends. `buysCampaign`: the per-campaign cap applies.
 */
export async function holdSpendCaps(
  tx: Db,
  identityId: string,
  payment: { costCents: number; buysCampaign: boolean; now: Date },
): Promise<void> {
  const [identity] = await tx
    .select({ daily: agentIdentities.dailyCapCents, perCampaign: agentIdentities.perCampaignCapCents })
    .from(agentIdentities)
    .where(eq(agentIdentities.id, identityId))
    .for('update');
  if (!identity) return;
  const { costCents } = payment;
  if (payment.buysCampaign && identity.perCampaign !== null && costCents > identity.perCampaign) {
    throw new ApiError(
      'PAYMENT_008',
      `spend cap reached: this campaign costs ${costCents} cents, above the per-campaign cap of ${identity.perCampaign} cents (PATCH /agent/settings changes it)`,
    );
  }
  if (identity.daily === null) return;
  const spent = await spentSince(tx, identityId, startOfUtcDay(payment.now));
  if (spent + costCents > identity.daily) {
    throw new ApiError(
      'PAYMENT_008',
      `spend cap reached: ${spent} of the daily cap of ${identity.daily} cents spent today; this costs ${costCents} cents more (PATCH /agent/settings changes it)`,
    );
  }
}

export async function readSpendCaps(db: Db, identityId: string, now: Date): Promise<SpendCaps> {
  const [identity] = await db
    .select({ daily: agentIdentities.dailyCapCents, perCampaign: agentIdentities.perCampaignCapCents })
    .from(agentIdentities)
    .where(eq(agentIdentities.id, identityId));
  return {
    identity_id: identityId,
    daily_cap_cents: identity?.daily ?? null,
    per_campaign_cap_cents: identity?.perCampaign ?? null,
    spent_today_cents: await spentSince(db, identityId, startOfUtcDay(now)),
  };
}

/** Sets the caps given (undefined: unchanged, null: removed); false when the identity does not exist. */
export async function updateSpendCaps(
  db: Db,
  identityId: string,
  caps: { daily_cap_cents?: number | null | undefined; per_campaign_cap_cents?: number | null | undefined },
): Promise<boolean> {
  const set = {
    ...(caps.daily_cap_cents === undefined ? {} : { dailyCapCents: caps.daily_cap_cents }),
    ...(caps.per_campaign_cap_cents === undefined
      ? {}
      : { perCampaignCapCents: caps.per_campaign_cap_cents }),
  };
  if (Object.keys(set).length === 0) {
    const [found] = await db
      .select({ id: agentIdentities.id })
      .from(agentIdentities)
      .where(eq(agentIdentities.id, identityId));
    return found !== undefined;
  }
  const updated = await db
    .update(agentIdentities)
    .set(set)
    .where(eq(agentIdentities.id, identityId))
    .returning({ id: agentIdentities.id });
  return updated.length > 0;
}
