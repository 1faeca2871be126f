import { z } from 'zod';
import { Message } from '../../domain/messages/message-view.ts';
import { decideOne } from '../../domain/messages/one-message.ts';
import { MessageIdInput } from '../../domain/messages/owned-messages.ts';
import { defineOperation } from '../define-operation.ts';

export const RejectionReason = z.string().trim().min(1).max(1000).describe('why, for the record');

export const messagesReject = defineOperation({
  id: 'messages.reject',
  method: 'POST',
  path: '/messages/:id/reject',
  summary: 'reject a draft: it is never sent',
  scope: 'send',
  audit: 'reject_message',
  errors: ['MESSAGE_004', 'MESSAGE_005'],
  input: z.strictObject({ ...MessageIdInput, reason: RejectionReason.optional() }),
  output: Message,
  handler: async (ctx, input) => {
    const decision = { action: 'reject' as const, reason: input.reason ?? null };
    const message = await decideOne(ctx.db, ctx.principal, input.id, decision, ctx.now);
    return {
      data: message,
      auditMetadata: { campaign_id: message.campaign_id, reason: input.reason ?? null },
    };
  },
});
