/**
 * Engagement: what became of the messages we sent, counted in SQL over the messages table.
 *
 * - sent: outbound messages the channel accepted (sent_at set, whatever their status now).
 * - delivered: outbound messages reported delivered (delivered_at set, or status `delivered`).
 * - opened: outbound messages seen opened (opened_at set).
 * - bounced: outbound messages with status `bounced` (rejected at the send or bounced later).
 * - contacts_sent: distinct contacts that were sent at least one message.
 * - replied: distinct contacts with an inbound message received (its created_at) after one of our
 *   messages was sent in the same conversation; in a campaign's figures, after one of that campaign's.
 * - reply_rate: replied / contacts_sent, 0 when nothing was sent.
 *
 * Per channel, each figure counts that channel's messages and contacts; the totals count a contact
 * reached on two channels once. The database keeps these figures per contact (table contact_engagement,
 * maintained by triggers on messages and campaigns), so a principal's totals sum one row per contact.
 */
import { sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { queryRows } from '../../../db/client.ts';
import { messages } from '../../../db/schema-messages.ts';
import { userIdOf } from '../api-keys/owned-key.ts';
import { CHANNELS, type Channel } from '../campaigns/channels.ts';
import { agentIdentityOf, type Principal } from '../principal.ts';
import { campaignLive, ownedBy, rate } from './scope.ts';

const Count = z.number().int();

export const Engagement = z.object({
  sent: Count.describe('outbound messages the channel accepted'),
  delivered: Count.describe('outbound messages reported delivered'),
  opened: Count.describe('outbound messages opened'),
  bounced: Count.describe('outbound messages that bounced'),
  contacts_sent: Count.describe('distinct contacts sent at least one message'),
  replied: Count.describe('distinct contacts who answered after one of our messages in the conversation'),
  reply_rate: z.number().describe('replied / contacts_sent, 0 when nothing was sent (4 decimals)'),
});
export type Engagement = z.infer<typeof Engagement>;

export const EngagementByChannel = z.object(
  Object.fromEntries(CHANNELS.map((channel) => [channel, Engagement])) as Record<Channel, typeof Engagement>,
);
export type EngagementByChannel = z.infer<typeof EngagementByChannel>;

interface EngagementRow {
  channel: string | null;
  sent: number;
  delivered: number;
  opened: number;
  bounced: number;
  contacts_sent: number;
  replied: number;
}

export interface EngagementScope {
  principal: Principal;
  /** Only this campaign's messages (and the replies to them). */
  campaignId?: string | undefined;
}

function toEngagement(row: EngagementRow | undefined): Engagement {
  const counts = row ?? { sent: 0, delivered: 0, opened: 0, bounced: 0, contacts_sent: 0, replied: 0 };
  return {
    sent: counts.sent,
    delivered: counts.delivered,
    opened: counts.opened,
    bounced: counts.bounced,
    contacts_sent: counts.contacts_sent,
    replied: counts.replied,
    reply_rate: rate(counts.replied, counts.contacts_sent),
  };
}

/**
 * One pass over the messages in scope, grouped by conversation (a reply counts when the conversation's
 * last inbound message came after its first outbound one in scope, which is the same as some reply
 * following some message of ours), then by contact (and channel), then summed. Hash aggregates
 * throughout: no per-row subquery and no sort for distinct counts.
 */
function engagementQuery(scope: EngagementScope, byChannel: boolean) {
  const m = alias(messages, 'm');
  const inScope = sql`${m.direction} = 'outbound' and ${
    scope.campaignId ? sql`${m.campaignId} = ${scope.campaignId}::uuid` : sql`true`
  } and ${campaignLive(m.campaignId)}`;
  return sql`with threads as (
      select ${m.contactId} as contact_id, ${m.channel} as channel,
        count(*) filter (where ${m.sentAt} is not null) as sent,
        count(*) filter (where ${m.deliveredAt} is not null or ${m.status} = 'delivered') as delivered,
        count(*) filter (where ${m.openedAt} is not null) as opened,
        count(*) filter (where ${m.status} = 'bounced') as bounced,
        min(${m.sentAt}) as first_sent,
        max(${m.createdAt}) filter (where ${m.direction} = 'inbound') as last_reply
      from ${messages} as m
      where ${ownedBy(scope.principal, m)} and (${m.direction} = 'inbound' or (${inScope}))
      group by ${m.conversationId}, ${m.contactId}, ${m.channel}
    ),
    people as (
      select ${byChannel ? sql`channel` : sql`null::text as channel`}, sum(sent) as sent,
        sum(delivered) as delivered, sum(opened) as opened, sum(bounced) as bounced,
        bool_or(first_sent is not null) as reached, bool_or(last_reply > first_sent) as replied
      from threads
      group by ${byChannel ? sql`grouping sets ((contact_id, channel), (contact_id))` : sql`contact_id`}
    )
    select channel, coalesce(sum(sent), 0)::int as sent, coalesce(sum(delivered), 0)::int as delivered,
      coalesce(sum(opened), 0)::int as opened, coalesce(sum(bounced), 0)::int as bounced,
      count(*) filter (where reached)::int as contacts_sent, count(*) filter (where replied)::int as replied
    from people
    group by channel`;
}

/**
 * The same totals for all of a principal's messages, summed over the `contact_engagement` rows the
 * database keeps per contact with the expressions of engagementQuery (migration 0021): one row per
 * contact instead of every message.
 */
function keptTotalsQuery(principal: Principal) {
  const identity = agentIdentityOf(principal);
  const owner = identity
    ? sql`agent and owner_id = ${identity}::uuid`
    : sql`not agent and owner_id = ${userIdOf(principal)}::uuid`;
  return sql`select null::text as channel, coalesce(sum(sent), 0)::int as sent,
      coalesce(sum(delivered), 0)::int as delivered, coalesce(sum(opened), 0)::int as opened,
      coalesce(sum(bounced), 0)::int as bounced, count(*) filter (where reached)::int as contacts_sent,
      count(*) filter (where replied)::int as replied
    from contact_engagement where ${owner}`;
}

/** Engagement of everything in scope (of all a principal's messages: from the per-contact totals). */
export async function engagementTotals(db: Db, scope: EngagementScope): Promise<Engagement> {
  const query = scope.campaignId ? engagementQuery(scope, false) : keptTotalsQuery(scope.principal);
  const [row] = await queryRows<EngagementRow>(db, query);
  return toEngagement(row);
}

/** Engagement of everything in scope, and of each channel (every channel present, zeros included). */
export async function engagementByChannel(
  db: Db,
  scope: EngagementScope,
): Promise<{ totals: Engagement; by_channel: EngagementByChannel }> {
  const rows = await queryRows<EngagementRow>(db, engagementQuery(scope, true));
  const byChannel = Object.fromEntries(
    CHANNELS.map((channel) => [channel, toEngagement(rows.find((row) => row.channel === channel))]),
  ) as EngagementByChannel;
  return { totals: toEngagement(rows.find((row) => row.channel === null)), by_channel: byChannel };
}
