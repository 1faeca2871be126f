import { z } from 'zod';
import { Message } from '../../domain/messages/message-view.ts';
import { decideOne } from '../../domain/messages/one-message.ts';
import { MessageIdInput } from '../../domain/messages/owned-messages.ts';
import { defineOperation } from '../define-operation.ts';

export const messagesApprove = defineOperation({
  id: 'messages.approve',
  method: 'POST',
  path: '/messages/:id/approve',
  summary: 'approve a draft: it is queued to be sent (a follow-up at its scheduled time)',
  scope: 'send',
  audit: 'approve_message',
  errors: ['MESSAGE_004', 'MESSAGE_005'],
  input: z.object(MessageIdInput),
  output: Message,
  handler: async (ctx, input) => {
    const message = await decideOne(ctx.db, ctx.principal, input.id, { action: 'approve' }, ctx.now);
    return { data: message, auditMetadata: { campaign_id: message.campaign_id } };
  },
});
