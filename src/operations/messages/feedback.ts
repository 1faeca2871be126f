import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { campaigns } from '../../../db/schema.ts';
import { contacts } from '../../../db/schema-contacts.ts';
import { aiGenerations, messages } from '../../../db/schema-messages.ts';
import type { Channel } from '../../domain/campaigns/channels.ts';
import { draftBriefFor } from '../../domain/messages/draft-brief.ts';
import { Message } from '../../domain/messages/message-view.ts';
import { messageView } from '../../domain/messages/one-message.ts';
import { MessageIdInput, ownedMessage } from '../../domain/messages/owned-messages.ts';
import { ApiError } from '../../errors/api-error.ts';
import { AI_FAILURE_CODES, aiApiError } from '../../integrations/ai/ai-error.ts';
import { Draft } from '../../integrations/ai/message-draft.ts';
import { defineOperation } from '../define-operation.ts';

/** Drafts a person may still change: waiting for approval, or rejected (a revision asks again). */
const REVISABLE = ['pending_approval', 'rejected'];

export const messagesFeedback = defineOperation({
  id: 'messages.feedback',
  method: 'POST',
  path: '/messages/:id/feedback',
  summary:
    'give feedback on a draft: the AI writes a new version (the old one is kept in its history) for approval',
  scope: 'generate',
  rateLimit: 'aiGeneration',
  audit: 'message_feedback',
  errors: ['MESSAGE_004', 'MESSAGE_005', 'AI_002', ...AI_FAILURE_CODES],
  input: z.strictObject({
    ...MessageIdInput,
    feedback: z
      .string()
      .trim()
      .min(1)
      .max(2000)
      .describe('what to change, e.g. "shorter, mention the weekend slot"'),
  }),
  output: Message,
  handler: async (ctx, input) => {
    // Locked: two revisions of one draft are made one after the other, each from the latest version.
    const [message] = await ctx.db
      .select()
      .from(messages)
      .where(ownedMessage(ctx.principal, input.id))
      .for('update');
    if (!message) throw new ApiError('MESSAGE_005');
    if (!REVISABLE.includes(message.status) || message.direction !== 'outbound' || !message.campaignId) {
      throw new ApiError(
        'MESSAGE_004',
        `only a campaign draft not yet approved can be revised; this one is ${message.status}`,
      );
    }
    const [campaign] = await ctx.db.select().from(campaigns).where(eq(campaigns.id, message.campaignId));
    const [contact] = await ctx.db.select().from(contacts).where(eq(contacts.id, message.contactId));
    if (!campaign || !contact) throw new ApiError('MESSAGE_005');
    const brief = {
      ...draftBriefFor(campaign, contact, message.channel as Channel, message.step ?? 0),
      current: { subject: message.subject, body: message.body },
      feedback: input.feedback,
    };
    let revised: Draft;
    try {
      revised = Draft.parse(await ctx.services.ai.reviseMessage(brief));
    } catch (error) {
      throw aiApiError(error, 'AI_002');
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
        subject: message.channel === 'email' ? revised.subject : null,
        body: revised.body,
        feedback: input.feedback,
        history: [...message.history, version],
        status: 'pending_approval',
        rejectedAt: null,
        rejectionReason: null,
        updatedAt: ctx.now,
      })
      .where(and(eq(messages.id, message.id), inArray(messages.status, REVISABLE)));
    await ctx.db.insert(aiGenerations).values({
      userId: message.userId,
      agentIdentityId: message.agentIdentityId,
      kind: 'revision',
      model: revised.model,
      campaignId: message.campaignId,
      createdAt: ctx.now,
    });
    const view = await messageView(ctx.db, ctx.principal, message.id);
    return { data: view, auditMetadata: { campaign_id: message.campaignId, model: revised.model } };
  },
});
