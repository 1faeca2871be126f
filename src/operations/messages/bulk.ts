import { z } from 'zod';
import { decideMessages } from '../../domain/messages/decide-messages.ts';
import { defineOperation } from '../define-operation.ts';
import { RejectionReason } from './reject.ts';

export const MAX_BULK_DECISIONS = 100;

export const messagesBulk = defineOperation({
  id: 'messages.bulk',
  method: 'POST',
  path: '/messages/bulk',
  summary: `approve or reject up to ${MAX_BULK_DECISIONS} drafts at once, with a result per id`,
  scope: 'send',
  idempotency: 'optional',
  audit: 'bulk_decide_messages',
  input: z.strictObject({
    action: z.enum(['approve', 'reject']),
    ids: z.array(z.string().max(100)).min(1).max(MAX_BULK_DECISIONS).describe('message ids'),
    reason: RejectionReason.optional().describe('with reject: why, for the record'),
  }),
  output: z.object({
    approved: z.number().int(),
    rejected: z.number().int(),
    skipped: z.number().int().describe('ids not found or no longer waiting for approval'),
    results: z.array(
      z.object({
        id: z.string(),
        result: z.enum(['approved', 'rejected', 'not_pending', 'not_found']),
        status: z.string().nullable().describe('with not_pending: the message’s status'),
      }),
    ),
  }),
  handler: async (ctx, input) => {
    const decision =
      input.action === 'approve'
        ? { action: 'approve' as const }
        : { action: 'reject' as const, reason: input.reason ?? null };
    const outcomes = await decideMessages(ctx.db, ctx.principal, input.ids, decision, ctx.now);
    const results = outcomes.map((outcome) => ({
      id: outcome.id,
      result: outcome.result,
      status: outcome.result === 'not_pending' ? outcome.status : null,
    }));
    const count = (result: string) => results.filter((r) => r.result === result).length;
    const summary = { approved: count('approved'), rejected: count('rejected') };
    const skipped = results.length - summary.approved - summary.rejected;
    return {
      data: { ...summary, skipped, results },
      auditMetadata: { action: input.action, ...summary, skipped },
    };
  },
});
