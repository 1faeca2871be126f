/**
 * The drafting step of a campaign, for one contact: a first message and one follow-up per
 * `followup_days` entry on every channel the contact can be reached on, within the campaign's message
 * allotment. Manual campaigns leave drafts waiting for approval; auto campaigns approve them as they are
 * made (queued for sending). A message that exists already (the unique step key) is not drafted again,
 * so running the step twice creates nothing twice.
 */
import { and, count, eq, ne } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import type { campaigns } from '../../../db/schema.ts';
import type { contacts } from '../../../db/schema-contacts.ts';
import { aiGenerations, messages } from '../../../db/schema-messages.ts';
import type { AiPort } from '../../integrations/ai/ai-port.ts';
import { Draft } from '../../integrations/ai/message-draft.ts';
import { allotmentOf } from '../campaigns/allotment.ts';
import type { Channel } from '../campaigns/channels.ts';
import { draftBriefFor } from '../messages/draft-brief.ts';

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
  const room = Math.max(0, allotmentOf(campaign).messages - (used?.n ?? 0));
  const batch = missing.slice(0, room);
  const auto = campaign.approvalMode === 'auto';
  let drafted = 0;
  for (const { channel, step } of batch) {
    const draft = Draft.parse(await ai.draftMessage(draftBriefFor(campaign, contact, channel, step)));
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
      .returning({ id: messages.id });
    if (inserted.length === 0) continue;
    drafted += 1;
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
