/**
 * The drafting step of a campaign, for one contact: a first message and one follow-up per
 * `followup_days` entry on every channel the contact can be reached on, within the campaign's message
 * allotment. Manual campaigns leave drafts waiting for approval; auto campaigns approve them as they are
 * made (queued for sending). An account's drafts also count against its plan's messages for the
 * period: past them nothing more is drafted and the account is told once (limit.reached, MESSAGE_015).
 * A message that exists already (the unique step key) is not drafted again,
 * so running the step twice creates nothing twice.
 */
import { and, count, eq, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import type { campaigns } from '../../../db/schema.ts';
import type { contacts } from '../../../db/schema-contacts.ts';
import { notifications } from '../../../db/schema-events.ts';
import { aiGenerations, messages } from '../../../db/schema-messages.ts';
import type { AiPort } from '../../integrations/ai/ai-port.ts';
import { Draft } from '../../integrations/ai/message-draft.ts';
import { holdPeriodLimit } from '../billing/period-limits.ts';
import { allotmentOf } from '../campaigns/allotment.ts';
import type { Channel } from '../campaigns/channels.ts';
import { draftBriefFor } from '../messages/draft-brief.ts';
import { notify } from '../notifications/notify.ts';
import { queueSends } from '../sending/queue-send.ts';

type CampaignRow = typeof campaigns.$inferSelect;
type ContactRow = typeof contacts.$inferSelect;

/** The campaign channels a contact can be reached on (an opted-out contact on none). */
export function reachableChannels(campaign: CampaignRow, contact: ContactRow): Channel[] {
  if (contact.unsubscribedAt !== null || contact.deletedAt !== null) return [];
  const reach: Record<Channel, boolean> = {
    email: contact.email !== null,
    instagram: contact.instagramHandle !== null,
    twitter: contact.xHandle !== null,
  };
  return (campaign.outreachChannels as Channel[]).filter((channel) => reach[channel]);
}

/** Once per campaign while unread: the plan's messages for the period ran out (MESSAGE_015). */
async function tellLimitReached(tx: Db, campaign: CampaignRow, limit: number, now: Date): Promise<void> {
  const [told] = await tx
    .select({ id: notifications.id })
    .from(notifications)
    .where(
      and(
        eq(notifications.userId, campaign.userId),
        eq(notifications.kind, 'limit.reached'),
        isNull(notifications.readAt),
        sql`${notifications.payload}->>'campaign_id' = ${campaign.id}`,
      ),
    )
    .limit(1);
  if (told) return;
  await notify(
    tx,
    campaign.userId,
    'limit.reached',
    { campaign_id: campaign.id, code: 'MESSAGE_015', resource: 'messages', limit },
    now,
  );
}

export interface DraftOutcome {
  drafted: number;
  /** Messages the allotment left no room for. */
  skipped: number;
}

export async function draftForContact(
  tx: Db,
  ai: AiPort,
  campaign: CampaignRow,
  contact: ContactRow,
  now: Date,
): Promise<DraftOutcome> {
  const steps = [0, ...campaign.followupDays.map((_, i) => i + 1)];
  const wanted = reachableChannels(campaign, contact).flatMap((channel) =>
    steps.map((step) => ({ channel, step })),
  );
  if (wanted.length === 0) return { drafted: 0, skipped: 0 };
  const existing = await tx
    .select({ channel: messages.channel, step: messages.step })
    .from(messages)
    .where(
      and(
        eq(messages.campaignId, campaign.id),
        eq(messages.contactId, contact.id),
        eq(messages.direction, 'outbound'),
      ),
    );
  const has = new Set(existing.map((m) => `${m.channel}:${m.step}`));
  const missing = wanted.filter((m) => !has.has(`${m.channel}:${m.step}`));
  if (missing.length === 0) return { drafted: 0, skipped: 0 };
  const [used] = await tx
    .select({ n: count() })
    .from(messages)
    .where(
      and(
        eq(messages.campaignId, campaign.id),
        eq(messages.direction, 'outbound'),
        ne(messages.status, 'rejected'),
      ),
    );
  const allotmentRoom = Math.max(0, allotmentOf(campaign).messages - (used?.n ?? 0));
  let room = allotmentRoom;
  // An account's drafts count against its plan's messages for the period (agents buy an allotment).
  // The AI is asked before the account is locked (drafting takes seconds, and drafts of one account run
  // side by side); the locked check below then decides how many of them are kept.
  const counted = campaign.agentIdentityId === null;
  if (counted && room > 0) {
    const lookAhead = await holdPeriodLimit(tx, campaign.userId, 'messages', now, { lock: false });
    room = Math.min(room, Math.max(0, lookAhead.limit - lookAhead.used));
  }
  const planned = missing.slice(0, room);
  const written: { channel: Channel; step: number; draft: Draft }[] = [];
  for (const { channel, step } of planned) {
    written.push({
      channel,
      step,
      draft: Draft.parse(await ai.draftMessage(draftBriefFor(campaign, contact, channel, step))),
    });
  }
  let batch = written;
  if (counted && allotmentRoom > 0) {
    const hold = await holdPeriodLimit(tx, campaign.userId, 'messages', now);
    const planRoom = Math.max(0, hold.limit - hold.used);
    if (planRoom < Math.min(allotmentRoom, missing.length)) {
      await tellLimitReached(tx, campaign, hold.limit, now);
    }
    batch = written.slice(0, planRoom);
  }
  const auto = campaign.approvalMode === 'auto';
  let drafted = 0;
  for (const { channel, step, draft } of batch) {
    const inserted = await tx
      .insert(messages)
      .values({
        userId: campaign.userId,
        agentIdentityId: campaign.agentIdentityId,
        campaignId: campaign.id,
        contactId: contact.id,
        channel,
        direction: 'outbound',
        step,
        status: auto ? 'queued' : 'pending_approval',
        subject: channel === 'email' ? draft.subject : null,
        body: draft.body,
        approvedAt: auto ? now : null,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing()
      .returning();
    if (inserted.length === 0) continue;
    drafted += 1;
    // Auto-approved: queued, so its send is enqueued with it.
    if (auto) await queueSends(tx, inserted, now);
    await tx.insert(aiGenerations).values({
      userId: campaign.userId,
      agentIdentityId: campaign.agentIdentityId,
      kind: 'draft',
      model: draft.model,
      campaignId: campaign.id,
      createdAt: now,
    });
  }
  return { drafted, skipped: missing.length - batch.length };
}
