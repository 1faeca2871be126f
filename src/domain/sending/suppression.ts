/**
 * The suppression list: a contact with `unsubscribed_at` set gets nothing more on any channel. A contact
 * is one per owner and email (deleted rows included), so the flag is the account's list for that
 * address. Four ways in: the unsubscribe page, the RFC 8058 one-click POST, `contacts.update
 * {unsubscribed: true}`, and a hard bounce. Joining the list also withdraws what was waiting to go to
 * the contact (drafts, approved and queued messages); the send itself checks the flag again under the
 * contact's lock, so a send that races the unsubscribe either committed first or sees it.
 */
import { and, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { campaigns } from '../../../db/schema.ts';
import { contacts } from '../../../db/schema-contacts.ts';
import { messages } from '../../../db/schema-messages.ts';
import { notify } from '../notifications/notify.ts';

/** How a contact came on the list; `reply`: their answer asked to stop (the AI's reading of it). */
export type SuppressionReason = 'link' | 'one_click' | 'manual' | 'bounce' | 'reply';

/** Messages that have not gone out yet, and can still be withdrawn. */
export const UNSENT_STATUSES = ['pending_approval', 'approved', 'queued'] as const;

/**
 * Puts a contact on the list (the first reason stays when it already is) and withdraws its unsent
 * messages. Answers whether the contact was newly suppressed.
 */
export async function suppressContact(
  tx: Db,
  contactId: string,
  reason: SuppressionReason,
  now: Date,
): Promise<boolean> {
  const changed = await tx
    .update(contacts)
    .set({ unsubscribedAt: now, unsubscribeReason: reason, updatedAt: now })
    .where(and(eq(contacts.id, contactId), isNull(contacts.unsubscribedAt)))
    .returning({ id: contacts.id });
  await withdrawUnsent(
    tx,
    contactId,
    `cancelled: contact ${reason === 'bounce' ? 'bounced' : 'unsubscribed'}`,
    now,
  );
  return changed.length > 0;
}

/** Rejects every unsent outbound message to the contact, with `reason`. */
export async function withdrawUnsent(tx: Db, contactId: string, reason: string, now: Date): Promise<void> {
  await tx
    .update(messages)
    .set({ status: 'rejected', rejectedAt: now, rejectionReason: reason, updatedAt: now })
    .where(
      and(
        eq(messages.contactId, contactId),
        eq(messages.direction, 'outbound'),
        inArray(messages.status, [...UNSENT_STATUSES]),
      ),
    );
}

/** A campaign pauses itself past this share of bounces... */
export const BOUNCE_RATE_LIMIT = 0.05;
/** ...once it has made this many send attempts (fewer are too few to judge). */
export const BOUNCE_RATE_MIN_SENDS = 20;

/**
 * After a bounce: when the campaign's bounces pass 5% of its sends (sent, delivered or bounced) after
 * at least 20, an active campaign pauses and its account is told. A person resumes it.
 */
export async function pauseOnBounceRate(tx: Db, campaignId: string, now: Date): Promise<boolean> {
  const [tally] = await tx
    .select({
      sends: count(),
      bounces: sql<number>`count(*) filter (where ${messages.status} = 'bounced')`.mapWith(Number),
    })
    .from(messages)
    .where(
      and(
        eq(messages.campaignId, campaignId),
        eq(messages.direction, 'outbound'),
        inArray(messages.status, ['sent', 'delivered', 'bounced']),
      ),
    );
  if (!tally || tally.sends < BOUNCE_RATE_MIN_SENDS || tally.bounces / tally.sends <= BOUNCE_RATE_LIMIT) {
    return false;
  }
  const [paused] = await tx
    .update(campaigns)
    .set({ status: 'paused', updatedAt: now })
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.status, 'active')))
    .returning({ id: campaigns.id, userId: campaigns.userId, name: campaigns.name });
  if (!paused) return false;
  await notify(
    tx,
    paused.userId,
    'campaign.paused',
    {
      campaign_id: paused.id,
      name: paused.name,
      reason: `bounce rate ${Math.round((tally.bounces / tally.sends) * 1000) / 10}% after ${tally.sends} sends (limit ${BOUNCE_RATE_LIMIT * 100}%)`,
    },
    now,
  );
  return true;
}
