import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { contacts, conversations } from '../../../db/schema-contacts.ts';
import { messages } from '../../../db/schema-messages.ts';
import { holdPeriodLimit } from '../../domain/billing/period-limits.ts';
import { CHANNELS } from '../../domain/campaigns/channels.ts';
import { visibleConversation } from '../../domain/conversations/owned-conversations.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { Message } from '../../domain/messages/message-view.ts';
import { messageView } from '../../domain/messages/one-message.ts';
import { type Rendered, renderVariables } from '../../domain/messages/variables.ts';
import { prepareChannelSend, recordChannelSend } from '../../domain/sending/channel-rules.ts';
import { sendMessage, variableSource } from '../../domain/sending/send-message.ts';
import { ApiError } from '../../errors/api-error.ts';
import type { ChannelSender, Channels } from '../../integrations/channels/channel-port.ts';
import { defineOperation } from '../define-operation.ts';

/** The channels with `sender` on every DM that has none: the account this send was decided for. */
function sendingFrom(channels: Channels, sender: ChannelSender | undefined): Channels {
  if (!sender) return channels;
  return {
    messageIdDomain: channels.messageIdDomain,
    of: (channel) => {
      const port = channels.of(channel);
      return { send: (message) => port.send(message.sender ? message : { ...message, sender }) };
    },
    dm: (channel) => channels.dm(channel),
    close: () => channels.close(),
  };
}

function sendFailed(reason: string): ApiError {
  return new ApiError('CONVERSATION_003', `message send failed: ${reason}`);
}

export const channelsSend = defineOperation({
  id: 'channels.send',
  method: 'POST',
  path: '/channels/send',
  summary:
    "send a message into an existing conversation now, on the conversation's channel; {{variables}} are filled from the contact (and `variables`), a missing one is 422 naming it",
  scope: 'send',
  idempotency: 'optional',
  audit: 'send_channel_message',
  successStatus: 201,
  errors: ['CONVERSATION_001', 'CONVERSATION_003', 'MESSAGE_015'],
  input: z.strictObject({
    conversation_id: z.string().describe('the conversation to send into'),
    body: z.string().trim().min(1).max(10_000).describe('the text; may hold {{variables}}'),
    subject: z.string().trim().min(1).max(998).optional().describe('email only; may hold {{variables}}'),
    variables: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().max(1000))
      .optional()
      .describe('values for {{variables}}, over the contact’s own'),
    channel: z.enum(CHANNELS).optional().describe("when given, must be the conversation's channel"),
    recipient_id: z.string().optional().describe("when given, must be the conversation's contact id"),
  }),
  output: Message.extend({
    external_id: z
      .string()
      .nullable()
      .describe("the channel's id of the message (`outbox:…` when it only went to the outbox)"),
    delivered: z.boolean().describe('false when it only went to the local outbox'),
  }),
  handler: async (ctx, input) => {
    const [conversation] = await ctx.db
      .select()
      .from(conversations)
      .where(visibleConversation(ctx.principal, input.conversation_id));
    if (!conversation) throw new ApiError('CONVERSATION_001');
    if (input.channel !== undefined && input.channel !== conversation.channel) {
      throw new ApiError(
        'SERVER_005',
        `invalid input - channel: the conversation is on ${conversation.channel}`,
      );
    }
    if (input.recipient_id !== undefined && input.recipient_id !== conversation.contactId) {
      throw new ApiError('SERVER_005', "invalid input - recipient_id: not the conversation's contact");
    }
    const [contact] = await ctx.db.select().from(contacts).where(eq(contacts.id, conversation.contactId));
    if (!contact) throw new ApiError('CONVERSATION_001');
    const source = variableSource(contact, input.variables ?? {});
    const isEmail = conversation.channel === 'email';
    const body = renderVariables(input.body, source);
    const subject: Rendered | undefined =
      isEmail && input.subject !== undefined ? renderVariables(input.subject, source) : undefined;
    const missing = [
      ...(subject && !subject.ok ? subject.missing.map((name) => `subject: {{${name}}}`) : []),
      ...(body.ok ? [] : body.missing.map((name) => `body: {{${name}}}`)),
    ];
    if (!body.ok || missing.length > 0) {
      throw new ApiError(
        'SERVER_005',
        `invalid input - missing variables (the contact has no value and none was given): ${missing.join(', ')}`,
      );
    }
    if (contact.unsubscribedAt !== null) throw sendFailed('the contact unsubscribed');
    const owner = eventOwnerOf(ctx.principal);
    if (!owner.agentIdentityId) (await holdPeriodLimit(ctx.db, owner.userId, 'messages', ctx.now)).admit(1);
    // Platform rules and the sending account are decided before any API call.
    const prepared = await prepareChannelSend(
      ctx.db,
      ctx.services,
      {
        userId: conversation.userId,
        agentIdentityId: conversation.agentIdentityId,
        channel: conversation.channel,
        contactId: conversation.contactId,
        conversationId: conversation.id,
      },
      ctx.now,
    );
    if (!prepared.ok) throw sendFailed(prepared.reason);
    if (!isEmail && !prepared.sender) {
      throw sendFailed(`no connected ${conversation.channel} account: connect one with channels.connect`);
    }
    const [row] = await ctx.db
      .insert(messages)
      .values({
        userId: conversation.userId,
        agentIdentityId: conversation.agentIdentityId,
        campaignId: conversation.campaignId,
        contactId: conversation.contactId,
        conversationId: conversation.id,
        channel: conversation.channel,
        direction: 'outbound',
        step: null,
        status: 'queued',
        subject: subject?.ok ? subject.text : null,
        body: body.text,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      })
      .returning({ id: messages.id });
    if (!row) throw new Error('message insert returned nothing');
    const outcome = await sendMessage(
      ctx.db,
      { ...ctx.services, channels: sendingFrom(ctx.services.channels, prepared.sender) },
      row.id,
      { now: ctx.now, attempt: 1 },
    );
    if (outcome.outcome !== 'sent') {
      const reason =
        outcome.outcome === 'cancelled'
          ? outcome.reason
          : outcome.outcome === 'skipped'
            ? `the message is ${outcome.status}`
            : outcome.error;
      throw sendFailed(reason);
    }
    if (prepared.sender) {
      await recordChannelSend(ctx.db, {
        messageId: row.id,
        accountId: prepared.sender.accountId,
        sentAt: ctx.now,
      });
    }
    const view = await messageView(ctx.db, ctx.principal, row.id);
    return {
      data: { ...view, external_id: outcome.externalId, delivered: outcome.delivered },
      auditMetadata: {
        conversation_id: conversation.id,
        channel: conversation.channel,
        ...(prepared.sender ? { channel_account_id: prepared.sender.accountId } : {}),
      },
    };
  },
});
