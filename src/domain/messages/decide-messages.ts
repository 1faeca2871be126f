/**
 * A person's decision on drafts waiting for approval: approve (the message is queued for sending) or
 * reject (with an optional reason). Only messages still pending change; each change writes its event.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { messages } from '../../../db/schema-messages.ts';
import { requestCompletionCheck } from '../engine/complete-campaign.ts';
import { emitAll, eventOwnerOf } from '../events/emit.ts';
import type { Principal } from '../principal.ts';
import { queueSends } from '../sending/queue-send.ts';
import { ownedMessages } from './owned-messages.ts';

const Uuid = z.uuid();

export type Decision = { action: 'approve' } | { action: 'reject'; reason: string | null };

export type DecisionResult =
  | { id: string; result: 'approved' | 'rejected' }
  | { id: string; result: 'not_pending'; status: string }
  | { id: string; result: 'not_found' };

export async function decideMessages(
  tx: Db,
  principal: Principal,
  ids: readonly string[],
  decision: Decision,
  now: Date,
): Promise<DecisionResult[]> {
  const wanted = [...new Set(ids)];
  const valid = wanted.filter((id) => Uuid.safeParse(id).success);
  const changes =
    decision.action === 'approve'
      ? { status: 'queued', approvedAt: now, updatedAt: now }
      : { status: 'rejected', rejectedAt: now, rejectionReason: decision.reason, updatedAt: now };
  const decided =
    valid.length === 0
      ? []
      : await tx
          .update(messages)
          .set(changes)
          .where(
            and(
              inArray(messages.id, valid),
              ownedMessages(principal),
              eq(messages.status, 'pending_approval'),
            ),
          )
          .returning();
  // Approved messages are queued: their sends are enqueued with them.
  if (decision.action === 'approve') await queueSends(tx, decided, now);
  else {
    // A rejection may end a campaign's last piece of work.
    const campaignIds = new Set(decided.flatMap((row) => (row.campaignId ? [row.campaignId] : [])));
    for (const campaignId of campaignIds) {
      await requestCompletionCheck(tx, campaignId, `rejected:${now.getTime()}`);
    }
  }
  const done = new Set(decided.map((row) => row.id));
  const rest = valid.filter((id) => !done.has(id));
  const others =
    rest.length === 0
      ? []
      : await tx
          .select({ id: messages.id, status: messages.status })
          .from(messages)
          .where(and(inArray(messages.id, rest), ownedMessages(principal)));
  const statusOf = new Map(others.map((row) => [row.id, row.status]));
  await emitAll(
    tx,
    eventOwnerOf(principal),
    decision.action === 'approve' ? 'message.approved' : 'message.rejected',
    decided.map((row) => ({
      id: row.id,
      campaign_id: row.campaignId,
      contact_id: row.contactId,
      channel: row.channel,
      step: row.step,
      status: row.status,
      reason: row.rejectionReason,
    })),
    now,
  );
  const result = decision.action === 'approve' ? 'approved' : 'rejected';
  return wanted.map((id): DecisionResult => {
    if (done.has(id)) return { id, result };
    const status = statusOf.get(id);
    return status === undefined ? { id, result: 'not_found' } : { id, result: 'not_pending', status };
  });
}
