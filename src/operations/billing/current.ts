import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { users } from '../../../db/schema.ts';
import { userIdOf } from '../../domain/api-keys/owned-key.ts';
import { usedInPeriod } from '../../domain/billing/period-limits.ts';
import { PlanView, periodOf, planOf } from '../../domain/billing/plans.ts';
import { agentIdentityOf } from '../../domain/principal.ts';
import { Timestamp } from '../../domain/timestamps.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

const Use = z.object({ used: z.number().int(), limit: z.number().int(), remaining: z.number().int() });

export const billingCurrent = defineOperation({
  id: 'billing.current',
  method: 'GET',
  path: '/billing/current',
  summary: 'the account’s plan, the current billing period and what it has used of the plan’s limits',
  scope: 'read',
  errors: ['AUTH_002'],
  input: z.object({}),
  output: z.object({
    plan: PlanView,
    period_start: Timestamp,
    period_end: Timestamp,
    usage: z
      .object({ campaigns: Use, contacts: Use, messages: Use, discovery_searches: Use })
      .describe(
        'what the account made in the period: campaigns and contacts (deleted ones included), outbound messages, discovery searches that did not fail',
      ),
  }),
  handler: async (ctx) => {
    // Agents have no plan: each paid campaign carries its own allotment (see campaigns.usage).
    if (agentIdentityOf(ctx.principal) !== null) {
      throw new ApiError('AUTH_002', 'agent keys have no plan: each paid campaign carries its own allotment');
    }
    const owner = { userId: userIdOf(ctx.principal), agentIdentityId: null };
    const period = periodOf(ctx.now);
    const [[account], campaignsUsed, contactsUsed, messagesUsed, searchesUsed] = await Promise.all([
      ctx.db.select({ plan: users.plan }).from(users).where(eq(users.id, owner.userId)),
      usedInPeriod(ctx.db, owner, 'campaigns', period),
      usedInPeriod(ctx.db, owner, 'contacts', period),
      usedInPeriod(ctx.db, owner, 'messages', period),
      usedInPeriod(ctx.db, owner, 'discovery_searches', period),
    ]);
    const plan = planOf(account?.plan ?? 'free');
    const use = (used: number, limit: number) => ({ used, limit, remaining: Math.max(0, limit - used) });
    return {
      data: {
        plan,
        period_start: period.start.toISOString(),
        period_end: period.end.toISOString(),
        usage: {
          campaigns: use(campaignsUsed, plan.limits.campaigns),
          contacts: use(contactsUsed, plan.limits.contacts),
          messages: use(messagesUsed, plan.limits.messages),
          discovery_searches: use(searchesUsed, plan.limits.discovery_searches),
        },
      },
    };
  },
});
