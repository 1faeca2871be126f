import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { users } from '../../../db/schema.ts';
import { usedInPeriod } from '../../domain/billing/period-limits.ts';
import { PLAN_IDS, periodOf, planOf } from '../../domain/billing/plans.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { Timestamp } from '../../domain/timestamps.ts';
import { defineOperation } from '../define-operation.ts';

export const contactsUsage = defineOperation({
  id: 'contacts.usage',
  method: 'GET',
  path: '/contacts/usage',
  summary: 'contacts created in the current billing period, against the plan’s limit',
  scope: 'read',
  input: z.object({}),
  output: z.object({
    plan: z.enum(PLAN_IDS).nullable().describe('null for agent keys: agents buy allotments per campaign'),
    period_start: Timestamp,
    period_end: Timestamp,
    used: z.number().int().describe('contacts created in the period, deleted ones included'),
    limit: z.number().int().nullable(),
    remaining: z.number().int().nullable(),
  }),
  handler: async (ctx) => {
    const owner = eventOwnerOf(ctx.principal);
    const period = periodOf(ctx.now);
    const used = await usedInPeriod(ctx.db, owner, 'contacts', period);
    let plan = null;
    if (!owner.agentIdentityId) {
      const [account] = await ctx.db
        .select({ plan: users.plan })
        .from(users)
        .where(eq(users.id, owner.userId));
      plan = planOf(account?.plan ?? 'free');
    }
    const limit = plan ? plan.limits.contacts : null;
    return {
      data: {
        plan: plan ? plan.id : null,
        period_start: period.start.toISOString(),
        period_end: period.end.toISOString(),
        used,
        limit,
        remaining: limit === null ? null : Math.max(0, limit - used),
      },
    };
  },
});
