import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { messages } from '../../../db/schema-messages.ts';
import { Message } from '../../domain/messages/message-view.ts';
import { decideOne } from '../../domain/messages/one-message.ts';
import { MessageIdInput, ownedMessage } from '../../domain/messages/owned-messages.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const messagesApprove = defineOperation({
  id: 'messages.approve',
  method: 'POST',
  path: '/messages/:id/approve',
  summary:
    'approve a draft, optionally edited first: it is queued to be sent (a follow-up at its scheduled time)',
  scope: 'send',
  audit: 'approve_message',
  errors: ['MESSAGE_004', 'MESSAGE_005'],
  input: z.object({
    ...MessageIdInput,
    subject: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .describe('a new subject to send instead of the draft’s (email only)'),
    body: z
      .string()
      .trim()
      .min(1)
      .max(20_000)
      .optional()
      .describe('a new text to send instead of the draft’s; the draft is kept in the message’s history'),
  }),
  output: Message,
  handler: async (ctx, input) => {
    const edited = input.subject !== undefined || input.body !== undefined;
    if (edited) {
      // Locked: the edit and the approval act on the version the person saw, or not at all.
      const [message] = await ctx.db
        .select()
        .from(messages)
        .where(ownedMessage(ctx.principal, input.id))
        .for('update');
      if (!message) throw new ApiError('MESSAGE_005');
      if (message.status !== 'pending_approval') {
        throw new ApiError(
          'MESSAGE_004',
          `only a message waiting for approval can be decided; this one is ${message.status}`,
        );
      }
      if (input.subject !== undefined && message.channel !== 'email') {
        throw new ApiError('SERVER_005', 'invalid input - subject: only an email has a subject');
      }
      const version = {
        subject: message.subject,
        body: message.body,
        feedback: message.feedback,
        replaced_at: ctx.now.toISOString(),
      };
      await ctx.db
        .update(messages)
        .set({
          subject: input.subject ?? message.subject,
          body: input.body ?? message.body,
          history: [...message.history, version],
          updatedAt: ctx.now,
        })
        .where(and(eq(messages.id, message.id), eq(messages.status, 'pending_approval')));
    }
    const message = await decideOne(ctx.db, ctx.principal, input.id, { action: 'approve' }, ctx.now);
    return { data: message, auditMetadata: { campaign_id: message.campaign_id, edited } };
  },
});
