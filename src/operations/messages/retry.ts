import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { messages } from '../../../db/schema-messages.ts';
import { Message } from '../../domain/messages/message-view.ts';
import { messageView } from '../../domain/messages/one-message.ts';
import { MessageIdInput, ownedMessage } from '../../domain/messages/owned-messages.ts';
import { queueSends } from '../../domain/sending/queue-send.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const messagesRetry = defineOperation({
  id: 'messages.retry',
  method: 'POST',
  path: '/messages/:id/retry',
  summary: 'queue a message whose send failed to be sent again',
  scope: 'send',
  audit: 'retry_message',
  errors: ['MESSAGE_004', 'MESSAGE_005'],
  input: z.object(MessageIdInput),
  output: Message,
  handler: async (ctx, input) => {
    const [retried] = await ctx.db
      .update(messages)
      .set({ status: 'queued', errorCode: null, errorMessage: null, updatedAt: ctx.now })
      .where(and(ownedMessage(ctx.principal, input.id), eq(messages.status, 'failed')))
      .returning();
    // A retry is a new cause: its own send job (the failed one's key is spent).
    if (retried) await queueSends(ctx.db, [retried], ctx.now, `retry-${ctx.now.getTime()}`);
    const message = await messageView(ctx.db, ctx.principal, input.id);
    if (!retried) {
      throw new ApiError(
        'MESSAGE_004',
        `only a failed message can be retried; this one is ${message.status}`,
      );
    }
    return { data: message, auditMetadata: { campaign_id: message.campaign_id } };
  },
});
