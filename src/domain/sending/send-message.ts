/**
 * Sends one queued message (the `message.send` job), in the job attempt's transaction:
 *
 * 1. The message row is locked (FOR UPDATE) and only a `queued` outbound message goes: a second job for
 *    the same message waits for the first to commit, then finds it `sent` and does nothing.
 * 2. The contact is locked for share, so an unsubscribe committing meanwhile waits for this send and is
 *    seen by every later one. An unsubscribed or deleted contact gets nothing (the message is
 *    `rejected`, with the reason); a follow-up is cancelled the same way when the contact replied, or
 *    when an earlier step of the thread bounced, failed or was never sent.
 * 3. `{{variables}}` are rendered against the contact; a missing one fails the message (MESSAGE_001,
 *    naming them), never an empty string.
 * 4. The conversation (contact, campaign, channel) is found or created.
 * 5. The channel sends. Success: `sent`, sent_at, external_id and the rendered text, in the transaction that marks the job
 *    done; a first message then schedules its follow-ups. A permanent failure: `bounced` (email) or
 *    `failed`, MESSAGE_001 and the channel's error. A transient one throws (the job retries with
 *    backoff) until the last attempt, which marks the message `failed`.
 *
 * Never twice. The claim of a send is the job attempt: the worker commits `attempts + 1` before the
 * handler runs, and a transient failure never retries inside the same job (it commits the message
 * still queued and enqueues a new job for the next try, `tryNumber`). So an attempt after the first of
 * one job means the earlier attempt ended without committing its outcome — a crash, a lost lease, a
 * stop past the drain — perhaps after the channel accepted the message. That message is not sent
 * again: it is marked `failed` (MESSAGE_001, outcome unknown), and `messages.retry` sends it anyway
 * when a person decides to. The Message-ID derived from the message id is the second guard: every
 * attempt of one message carries the same one.
 */
import { and, eq, exists, gt, inArray, isNotNull, lt, or } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { contacts, conversations } from '../../../db/schema-contacts.ts';
import { messages } from '../../../db/schema-messages.ts';
import { publicUrlOf } from '../../env.ts';
import { ChannelFailure, type ChannelName, type Channels } from '../../integrations/channels/channel-port.ts';
import { backoffMs } from '../../jobs/run-job.ts';
import type { Services } from '../../services.ts';
import { openConversation } from '../conversations/open-conversation.ts';
import { requestCompletionCheck } from '../engine/complete-campaign.ts';
import { type EventOwner, emit } from '../events/emit.ts';
import { renderVariables, type VariableSource } from '../messages/variables.ts';
import { prepareChannelSend, recordChannelSend } from './channel-rules.ts';
import { trackedHtml } from './open-tracking.ts';
import {
  enqueueSend,
  firstOfThreadOf,
  SEND_MAX_TRIES,
  SEND_RETRY_BACKOFF,
  scheduleFollowUps,
} from './queue-send.ts';
import { campaignSendWait } from './send-window.ts';
import { pauseOnBounceRate, suppressContact } from './suppression.ts';

type MessageRow = typeof messages.$inferSelect;
type ContactRow = typeof contacts.$inferSelect;

export type SendOutcome =
  | { outcome: 'sent'; externalId: string; delivered: boolean }
  | { outcome: 'skipped'; status: string }
  | { outcome: 'cancelled'; reason: string }
  | { outcome: 'failed' | 'bounced'; error: string }
  /** A transient failure: the message stays queued and a new job tries again at `retryAt`. */
  | { outcome: 'retrying'; error: string; retryAt: Date };

export interface SendOptions {
  now: Date;
  /**
   * The job attempt's number, from 1. A later attempt finding the message still queued does not send
   * (the outcome of the earlier one is unknown).
   */
  attempt: number;
  /**
   * The send's try, from 1: a transient failure enqueues try + 1 after a backoff, up to SEND_MAX_TRIES.
   * Absent: a send that is not retried (a transient failure fails the message at once).
   */
  tryNumber?: number;
}

export const UNKNOWN_OUTCOME =
  'the previous attempt stopped before recording its outcome, perhaps after the channel accepted the message; not sent again to avoid a duplicate (messages.retry sends it anyway)';

/** Our Message-ID of a message: the same for every attempt to send it. */
export function messageIdOf(messageId: string, channels: Pick<Channels, 'messageIdDomain'>): string {
  return `<${messageId}@${channels.messageIdDomain}>`;
}

/** What `{{variables}}` read for a contact; `overrides` (values given with a request) win over its own. */
export function variableSource(contact: ContactRow, overrides: Record<string, string> = {}): VariableSource {
  return {
    fields: {
      first_name: contact.firstName,
      last_name: contact.lastName,
      company: contact.company,
      title: contact.title,
      location: contact.location,
      email: contact.email,
      website: contact.website,
      instagram_handle: contact.instagramHandle,
      x_handle: contact.xHandle,
      ...overrides,
    },
    attributes: { ...contact.attributes, ...overrides },
  };
}

function addressOf(channel: string, contact: ContactRow): string | null {
  if (channel === 'email') return contact.email;
  if (channel === 'instagram') return contact.instagramHandle;
  if (channel === 'twitter') return contact.xHandle;
  return null;
}

function isChannel(channel: string): channel is ChannelName {
  return channel === 'email' || channel === 'instagram' || channel === 'twitter';
}

/** Why a follow-up must not go, or undefined when it may. */
async function followUpBlocked(tx: Db, message: MessageRow): Promise<string | undefined> {
  if (message.campaignId === null || message.step === null || message.step === 0) return undefined;
  const campaignId = message.campaignId;
  const [replied] = await tx
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.contactId, message.contactId),
        eq(messages.direction, 'inbound'),
        // An out-of-office answer does not stop the sequence.
        eq(messages.autoReply, false),
        or(
          eq(messages.campaignId, campaignId),
          exists(
            tx
              .select({ id: conversations.id })
              .from(conversations)
              .where(
                and(eq(conversations.id, messages.conversationId), eq(conversations.campaignId, campaignId)),
              ),
          ),
        ),
      ),
    )
    .limit(1);
  if (replied) return 'cancelled: contact replied';
  const earlier = await tx
    .select({ status: messages.status })
    .from(messages)
    .where(
      and(
        eq(messages.campaignId, campaignId),
        eq(messages.contactId, message.contactId),
        eq(messages.channel, message.channel),
        eq(messages.direction, 'outbound'),
        lt(messages.step, message.step),
      ),
    );
  if (earlier.some((m) => m.status === 'bounced')) return 'cancelled: an earlier message bounced';
  if (earlier.some((m) => m.status === 'failed')) return 'cancelled: an earlier message failed';
  if (!earlier.some((m) => m.status === 'sent' || m.status === 'delivered'))
    return 'cancelled: the first message was not sent';
  return undefined;
}

/** The thread's first message (a follow-up answers it), when it was sent. */
async function firstOfThread(tx: Db, message: MessageRow): Promise<MessageRow | undefined> {
  if (message.campaignId === null || message.step === null || message.step === 0) return undefined;
  const [first] = await tx
    .select()
    .from(messages)
    .where(and(firstOfThreadOf({ ...message, campaignId: message.campaignId }), isNotNull(messages.sentAt)));
  return first;
}

async function conversationFor(tx: Db, message: MessageRow, now: Date): Promise<string> {
  if (message.conversationId !== null) return message.conversationId;
  const [found] = await tx
    .select({ id: conversations.id })
    .from(conversations)
    .where(
      and(
        eq(conversations.contactId, message.contactId),
        eq(conversations.channel, message.channel),
        message.campaignId === null
          ? eq(conversations.userId, message.userId)
          : eq(conversations.campaignId, message.campaignId),
      ),
    )
    .orderBy(conversations.createdAt)
    .limit(1);
  if (found) return found.id;
  const created = await openConversation(
    tx,
    {
      userId: message.userId,
      agentIdentityId: message.agentIdentityId,
      contactId: message.contactId,
      campaignId: message.campaignId,
      channel: message.channel,
    },
    now,
  );
  return created.id;
}

async function settle(tx: Db, id: string, changes: Partial<typeof messages.$inferInsert>) {
  await tx.update(messages).set(changes).where(eq(messages.id, id));
}

/** Cancels queued follow-ups of a thread whose message bounced or failed (they would not go anyway). */
async function cancelFollowUps(tx: Db, message: MessageRow, reason: string, now: Date) {
  if (message.campaignId === null || message.step === null) return;
  await tx
    .update(messages)
    .set({ status: 'rejected', rejectedAt: now, rejectionReason: reason, updatedAt: now })
    .where(
      and(
        eq(messages.campaignId, message.campaignId),
        eq(messages.contactId, message.contactId),
        eq(messages.channel, message.channel),
        eq(messages.direction, 'outbound'),
        gt(messages.step, message.step),
        inArray(messages.status, ['queued', 'pending_approval', 'approved']),
      ),
    );
}

/** Sends one queued message; when that ended a campaign message's life, asks whether its campaign is done. */
export async function sendMessage(
  tx: Db,
  services: Pick<Services, 'channels' | 'env' | 'sealer'>,
  messageId: string,
  options: SendOptions,
): Promise<SendOutcome> {
  const seen: { campaignId: string | null } = { campaignId: null };
  const outcome = await sendOnce(tx, services, messageId, options, seen);
  if (outcome.outcome !== 'skipped' && outcome.outcome !== 'retrying' && seen.campaignId !== null) {
    await requestCompletionCheck(tx, seen.campaignId, `message:${messageId}:${outcome.outcome}`);
  }
  return outcome;
}

async function sendOnce(
  tx: Db,
  services: Pick<Services, 'channels' | 'env' | 'sealer'>,
  messageId: string,
  options: SendOptions,
  seen: { campaignId: string | null },
): Promise<SendOutcome> {
  const { now } = options;
  const [message] = await tx.select().from(messages).where(eq(messages.id, messageId)).for('update');
  if (!message) return { outcome: 'skipped', status: 'missing' };
  seen.campaignId = message.campaignId;
  if (message.direction !== 'outbound' || message.status !== 'queued') {
    return { outcome: 'skipped', status: message.status };
  }
  const [contact] = await tx.select().from(contacts).where(eq(contacts.id, message.contactId)).for('share');
  const cancel = async (reason: string): Promise<SendOutcome> => {
    await settle(tx, message.id, {
      status: 'rejected',
      rejectedAt: now,
      rejectionReason: reason,
      updatedAt: now,
    });
    return { outcome: 'cancelled', reason };
  };
  const fail = async (error: string, status: 'failed' | 'bounced' = 'failed'): Promise<SendOutcome> => {
    await settle(tx, message.id, { status, errorCode: 'MESSAGE_001', errorMessage: error, updatedAt: now });
    await cancelFollowUps(tx, message, `cancelled: an earlier message ${status}`, now);
    if (status === 'bounced') {
      await emit(tx, ownerOf(message), 'message.bounced', { ...eventBase(message), error }, now);
      // A hard bounce: the address does not take mail, on any campaign of the account.
      await suppressContact(tx, message.contactId, 'bounce', now);
      if (message.campaignId !== null) await pauseOnBounceRate(tx, message.campaignId, now);
    }
    return { outcome: status, error };
  };
  if (options.attempt > 1) return fail(UNKNOWN_OUTCOME);
  if (!contact || contact.deletedAt !== null) return cancel('cancelled: contact deleted');
  if (contact.unsubscribedAt !== null) return cancel('cancelled: contact unsubscribed');
  const blocked = await followUpBlocked(tx, message);
  if (blocked) return cancel(blocked);
  // A campaign's own messages keep to its send window and daily cap (a person's channels.send does not).
  if (message.campaignId !== null && message.step !== null) {
    const wait = await campaignSendWait(tx, message.campaignId, now);
    if (wait) {
      await settle(tx, message.id, { scheduledAt: wait.until, updatedAt: now });
      await enqueueSend(tx, message.id, `wait-${wait.until.getTime()}`, wait.until, options.tryNumber ?? 1);
      return { outcome: 'retrying', error: wait.reason, retryAt: wait.until };
    }
  }
  if (!isChannel(message.channel)) return fail(`unknown channel ${message.channel}`);
  const to = addressOf(message.channel, contact);
  if (to === null) return fail(`the contact has no ${message.channel} address`);
  const source = variableSource(contact);
  const body = renderVariables(message.body, source);
  const subject = message.subject === null ? null : renderVariables(message.subject, source);
  const missing = [
    ...new Set([...(subject && !subject.ok ? subject.missing : []), ...(body.ok ? [] : body.missing)]),
  ];
  if (!body.ok || (subject && !subject.ok)) {
    return fail(`missing variables: ${missing.join(', ')}`);
  }
  const conversationId = await conversationFor(tx, message, now);
  // A DM goes from a connected account, under its platform's rules, checked before any call.
  const prepared = await prepareChannelSend(
    tx,
    services,
    {
      userId: message.userId,
      agentIdentityId: message.agentIdentityId,
      channel: message.channel,
      contactId: message.contactId,
      conversationId,
    },
    now,
  );
  if (!prepared.ok) {
    if (prepared.retryAt && options.tryNumber !== undefined) {
      // The account's daily cap: the same send can go on the next UTC day.
      await settle(tx, message.id, {
        scheduledAt: prepared.retryAt,
        errorMessage: prepared.reason,
        updatedAt: now,
      });
      await enqueueSend(
        tx,
        message.id,
        `cap-${prepared.retryAt.toISOString().slice(0, 10)}`,
        prepared.retryAt,
        options.tryNumber,
      );
      return { outcome: 'retrying', error: prepared.reason, retryAt: prepared.retryAt };
    }
    return fail(prepared.reason);
  }
  const replyDomain = services.env.EMAIL_REPLY_DOMAIN;
  const first = await firstOfThread(tx, message);
  const firstId = first ? messageIdOf(first.id, services.channels) : undefined;
  const ownId = messageIdOf(message.id, services.channels);
  let result: { externalId: string; delivered: boolean };
  try {
    result = await services.channels.of(message.channel).send({
      channel: message.channel,
      to,
      subject: subject?.ok ? subject.text : null,
      text: body.text,
      messageId: ownId,
      ...(firstId ? { inReplyTo: firstId, references: [firstId] } : {}),
      unsubscribeUrl: `${publicUrlOf(services.env)}/unsubscribe/${message.id}`,
      ...(services.env.EMAIL_TRACK_OPENS && message.channel === 'email'
        ? { html: trackedHtml(body.text, `${publicUrlOf(services.env)}/o/${message.id}.gif`) }
        : {}),
      ...(replyDomain && message.channel === 'email'
        ? { replyTo: `reply+${conversationId}@${replyDomain}` }
        : {}),
      ...(prepared.sender ? { sender: prepared.sender } : {}),
    });
  } catch (error) {
    if (!(error instanceof ChannelFailure)) throw error;
    if (error.reason === 'permanent') {
      return fail(error.message, message.channel === 'email' ? 'bounced' : 'failed');
    }
    const tryNumber = options.tryNumber;
    if (tryNumber === undefined) return fail(error.message);
    if (tryNumber >= SEND_MAX_TRIES) return fail(`gave up after ${tryNumber} tries: ${error.message}`);
    const retryAt = new Date(now.getTime() + backoffMs(tryNumber, SEND_RETRY_BACKOFF));
    await settle(tx, message.id, { errorMessage: `try ${tryNumber}: ${error.message}`, updatedAt: now });
    await enqueueSend(tx, message.id, `try-${tryNumber + 1}`, retryAt, tryNumber + 1);
    return { outcome: 'retrying', error: error.message, retryAt };
  }
  // A DM the platform took is in the person's inbox: delivered. An email handed to SMTP is sent; its
  // delivery is the receiving server's to tell (a bounce says otherwise).
  const delivered = result.delivered && message.channel !== 'email';
  await settle(tx, message.id, {
    status: delivered ? 'delivered' : 'sent',
    sentAt: now,
    ...(delivered ? { deliveredAt: now } : {}),
    // The row keeps what went out (the outbox's only record of it), variables resolved.
    subject: subject?.ok ? subject.text : null,
    body: body.text,
    externalId: result.externalId,
    conversationId,
    errorCode: null,
    errorMessage: null,
    updatedAt: now,
  });
  if (prepared.sender) {
    await recordChannelSend(tx, { messageId: message.id, accountId: prepared.sender.accountId, sentAt: now });
  }
  await tx
    .update(conversations)
    .set({ lastMessageAt: now, updatedAt: now })
    .where(eq(conversations.id, conversationId));
  await emit(
    tx,
    ownerOf(message),
    'message.sent',
    {
      ...eventBase(message),
      conversation_id: conversationId,
      external_id: result.externalId,
      delivered: result.delivered,
    },
    now,
  );
  if (delivered) {
    await emit(
      tx,
      ownerOf(message),
      'message.delivered',
      { ...eventBase(message), conversation_id: conversationId, external_id: result.externalId },
      now,
    );
  }
  if (message.step === 0 && message.campaignId !== null) {
    await scheduleFollowUps(
      tx,
      { campaignId: message.campaignId, contactId: message.contactId, channel: message.channel },
      now,
    );
  }
  return { outcome: 'sent', externalId: result.externalId, delivered: result.delivered };
}

/** Whose events a message's are: its account's, or its agent identity's. */
function ownerOf(message: typeof messages.$inferSelect): EventOwner {
  return { userId: message.userId, agentIdentityId: message.agentIdentityId };
}

function eventBase(message: typeof messages.$inferSelect) {
  return {
    id: message.id,
    campaign_id: message.campaignId,
    contact_id: message.contactId,
    channel: message.channel,
    step: message.step,
  };
}
