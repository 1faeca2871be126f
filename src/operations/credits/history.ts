import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { creditEntries } from '../../../db/schema-credits.ts';
import { afterCursor, PaginationInput, pageOf } from '../../domain/pagination.ts';
import { Timestamp } from '../../domain/timestamps.ts';
import { defineOperation } from '../define-operation.ts';
import { identityOrRefuse } from './balance.ts';

const Entry = z.object({
  id: z.uuid(),
  kind: z.enum(['purchase', 'debit', 'refund', 'reversal', 'adjustment']),
  credits: z.number().int().describe('signed: purchases and refunds add, debits and reversals subtract'),
  balance_after: z.number().int().min(0),
  reference: z.string().describe('the payment (PaymentIntent id) or campaign this entry records'),
  campaign_id: z.uuid().nullable(),
  created_at: Timestamp,
});

export const creditsHistory = defineOperation({
  id: 'credits.history',
  method: 'GET',
  path: '/agent/credits/history',
  summary: "list the agent's credit ledger, newest first: purchases, debits for campaigns, refunds",
  scope: 'read',
  agentProof: true,
  paginated: true,
  input: z.object({ ...PaginationInput }),
  output: z.array(Entry),
  handler: async (ctx, input) => {
    const identityId = identityOrRefuse(ctx.principal);
    const rows = await ctx.db
      .select()
      .from(creditEntries)
      .where(
        and(
          eq(creditEntries.identityId, identityId),
          afterCursor(input.cursor, creditEntries.createdAt, creditEntries.id),
        ),
      )
      .orderBy(desc(creditEntries.createdAt), desc(creditEntries.id))
      .limit(input.limit + 1);
    const page = pageOf(rows, input.limit);
    return {
      data: page.rows.map((row) => ({
        id: row.id,
        kind: row.kind as z.infer<typeof Entry>['kind'],
        credits: row.credits,
        balance_after: row.balanceAfter,
        reference: row.reference,
        campaign_id: row.campaignId,
        created_at: row.createdAt.toISOString(),
      })),
      meta: { pagination: page.pagination },
    };
  },
});
