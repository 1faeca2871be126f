/**
 * What an account has used of its plan in the current period, and the check that holds a write to the
 * plan's limit. The check locks the account's row, so writes that count against one limit are decided
 * one at a time; it runs inside the write's transaction, and the lock is held until it commits.
 */
import { and, count, eq, gte, isNull, lt, ne, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { campaigns, users } from '../../../db/schema.ts';
import { contacts } from '../../../db/schema-contacts.ts';
import { discoveryJobs, messages } from '../../../db/schema-messages.ts';
import { ApiError } from '../../errors/api-error.ts';
import type { ErrorCode } from '../../errors/catalogue.ts';
import type { EventOwner } from '../events/emit.ts';
import { type Plan, periodOf, planOf } from './plans.ts';

/**
 * Resources whose use in a period is counted from their own rows. A message is an outbound message made
 * (drafted or sent by hand); a discovery search is a discovery job that did not fail: a provider's
 * failure does not spend the quota.
 */
export type CountedResource = 'campaigns' | 'contacts' | 'messages' | 'discovery_searches';

/** The over-limit code of each resource; discovery answers its own DISCOVERY_008 rather than BILLING_010. */
const OVER_LIMIT: Record<CountedResource, ErrorCode> = {
  campaigns: 'CAMP_009',
  contacts: 'CONTACT_009',
  messages: 'MESSAGE_015',
  discovery_searches: 'DISCOVERY_008',
};

const COUNTED = {
  campaigns: { table: campaigns, only: undefined },
  contacts: { table: contacts, only: undefined },
  messages: { table: messages, only: eq(messages.direction, 'outbound') },
  discovery_searches: { table: discoveryJobs, only: ne(discoveryJobs.status, 'failed') },
} satisfies Record<
  CountedResource,
  {
    table: typeof campaigns | typeof contacts | typeof messages | typeof discoveryJobs;
    only: SQL | undefined;
  }
>;

/** The count of `resource` the owner (an account, or one agent identity) created in the period. */
export function periodCountQuery(
  db: Db,
  owner: EventOwner,
  resource: CountedResource,
  period: { start: Date; end: Date },
) {
  const { table, only } = COUNTED[resource];
  return db
    .select({ n: count() })
    .from(table)
    .where(
      and(
        owner.agentIdentityId
          ? eq(table.agentIdentityId, owner.agentIdentityId)
          : and(eq(table.userId, owner.userId), isNull(table.agentIdentityId)),
        gte(table.createdAt, period.start),
        lt(table.createdAt, period.end),
        only,
      ),
    );
}

export async function usedInPeriod(
  db: Db,
  owner: EventOwner,
  resource: CountedResource,
  period: { start: Date; end: Date },
): Promise<number> {
  const [row] = await periodCountQuery(db, owner, resource, period);
  return row?.n ?? 0;
}

export interface LimitHold {
  plan: Plan;
  limit: number;
  /** Used before this write. */
  used: number;
  /** Throws the resource's over-limit code (429) when `adding` more would pass the limit. */
  admit(adding: number): void;
}

/**
 * Locks the account and reads its standing for `resource`; call `admit` with what the write adds. The
 * lock is FOR NO KEY UPDATE: it serializes the writes that count against a limit, and leaves alone the
 * key-share locks every row referencing the account takes (an event, a contact), which a FOR UPDATE lock
 * would make wait — and deadlock with a transaction holding a campaign those writes wait for.
 * `lock: false` reads without the lock: a look ahead (refusing early what the locked check would refuse
 * anyway), never the check that decides.
 */
export async function holdPeriodLimit(
  tx: Db,
  userId: string,
  resource: CountedResource,
  now: Date,
  options: { lock?: boolean } = {},
): Promise<LimitHold> {
  const query = tx.select({ plan: users.plan }).from(users).where(eq(users.id, userId));
  const [account] = options.lock === false ? await query : await query.for('no key update');
  const plan = planOf(account?.plan ?? 'free');
  const limit = plan.limits[resource];
  const used = await usedInPeriod(tx, { userId, agentIdentityId: null }, resource, periodOf(now));
  return {
    plan,
    limit,
    used,
    admit(adding) {
      if (adding > 0 && used + adding > limit) {
        throw new ApiError(
          OVER_LIMIT[resource],
          `the ${plan.id} plan allows ${limit} ${resource.replaceAll('_', ' ')} per billing period; ${used} used, ${adding} more asked for`,
        );
      }
    },
  };
}
