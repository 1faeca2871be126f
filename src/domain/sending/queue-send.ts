/**
 * Queues sends: the `message.send` job of a message that just became `queued`, written in the
 * transaction that queued it. A first message (step 0) goes at once; a follow-up goes at its date,
 * `followup_days[step - 1]` days after its first message was sent — so a follow-up queued before its
 * first message went out waits, and is enqueued by `scheduleFollowUps` when the first one is sent.
 */
import { and, eq, gt, type SQL } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { campaigns } from '../../../db/schema.ts';
import { messages } from '../../../db/schema-messages.ts';
import { enqueue } from '../../jobs/enqueue.ts';

export const SEND_JOB = 'message.send';
/** Tries of a send before the message is marked failed: transient failures are tried again, each try a job. */
export const SEND_MAX_TRIES = 8;
/** Between tries: 30 s doubling per try (with jitter), at most an hour. */
export const SEND_RETRY_BACKOFF = { backoffBaseMs: 30_000, backoffMaxMs: 60 * 60_000 };
/**
 * Attempts of one send job: the second finds the outcome of the first unknown and records that (see
 * send-message.ts); a third covers a database failure while recording it.
 */
export const SEND_JOB_MAX_ATTEMPTS = 3;

const DAY_MS = 24 * 60 * 60_000;

/** A message that became queued, as much of it as deciding when it goes needs. */
export interface QueuedMessage {
  id: string;
  campaignId: string | null;
  contactId: string;
  channel: string;
  step: number | null;
}

/**
 * `marker` tells the causes of a message's sends apart (one job per cause): `queued` for the first time
 * it is queued, something new for each retry after a failure.
 */
export async function enqueueSend(tx: Db, messageId: string, marker: string, runAt?: Date, tryNumber = 1) {
  await enqueue(tx, {
    kind: SEND_JOB,
    payload: { message_id: messageId, try: tryNumber },
    dedupeKey: `${SEND_JOB}:${messageId}:${marker}`,
    maxAttempts: SEND_JOB_MAX_ATTEMPTS,
    ...(runAt ? { runAt } : {}),
  });
}

async function followupDaysOf(tx: Db, campaignId: string): Promise<readonly number[]> {
  const [campaign] = await tx
    .select({ followupDays: campaigns.followupDays })
    .from(campaigns)
    .where(eq(campaigns.id, campaignId));
  return campaign?.followupDays ?? [];
}

/** When follow-up `step` is due after a first message sent at `sentAt` (undefined: no such step). */
export function followUpAt(sentAt: Date, followupDays: readonly number[], step: number): Date | undefined {
  const days = followupDays[step - 1];
  return days === undefined ? undefined : new Date(sentAt.getTime() + days * DAY_MS);
}

/** Enqueues the sends of messages that just became queued (approved, auto-approved or retried). */
export async function queueSends(
  tx: Db,
  queued: readonly QueuedMessage[],
  now: Date,
  marker = 'queued',
): Promise<void> {
  for (const message of queued) {
    if (message.step === null || message.step === 0 || message.campaignId === null) {
      await enqueueSend(tx, message.id, marker);
      continue;
    }
    const [first] = await tx
      .select({ sentAt: messages.sentAt })
      .from(messages)
      .where(firstOfThreadOf({ ...message, campaignId: message.campaignId }));
    // Not sent yet: scheduled when it is.
    if (!first?.sentAt) continue;
    const at = followUpAt(first.sentAt, await followupDaysOf(tx, message.campaignId), message.step) ?? now;
    await tx.update(messages).set({ scheduledAt: at, updatedAt: now }).where(eq(messages.id, message.id));
    await enqueueSend(tx, message.id, marker, at.getTime() > now.getTime() ? at : now);
  }
}

/** After a first message was sent: dates and enqueues its queued follow-ups. */
export async function scheduleFollowUps(
  tx: Db,
  first: { campaignId: string; contactId: string; channel: string },
  sentAt: Date,
): Promise<void> {
  const followUps = await tx
    .select({ id: messages.id, step: messages.step })
    .from(messages)
    .where(
      and(
        eq(messages.campaignId, first.campaignId),
        eq(messages.contactId, first.contactId),
        eq(messages.channel, first.channel),
        eq(messages.direction, 'outbound'),
        eq(messages.status, 'queued'),
        gt(messages.step, 0),
      ),
    );
  if (followUps.length === 0) return;
  const days = await followupDaysOf(tx, first.campaignId);
  for (const followUp of followUps) {
    const at = followUpAt(sentAt, days, followUp.step ?? 0) ?? sentAt;
    await tx.update(messages).set({ scheduledAt: at, updatedAt: sentAt }).where(eq(messages.id, followUp.id));
    await enqueueSend(tx, followUp.id, 'queued', at);
  }
}

/** The first message (step 0) of the thread a campaign message belongs to: same contact and channel. */
export function firstOfThreadOf(message: { campaignId: string; contactId: string; channel: string }): SQL {
  return and(
    eq(messages.campaignId, message.campaignId),
    eq(messages.contactId, message.contactId),
    eq(messages.channel, message.channel),
    eq(messages.direction, 'outbound'),
    eq(messages.step, 0),
  ) as SQL;
}
