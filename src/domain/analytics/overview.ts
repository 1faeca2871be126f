/**
 * The analytics overview: how many campaigns (by status), contacts, conversations and messages waiting
 * for a person a principal has, beside the engagement of everything it sent (see engagement.ts). Every
 * figure is a SQL aggregate; the counts come from one statement, so they are of one moment.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { queryRows } from '../../../db/client.ts';
import { campaigns } from '../../../db/schema.ts';
import { contacts, conversations } from '../../../db/schema-contacts.ts';
import { messages } from '../../../db/schema-messages.ts';
import { ownedCampaigns } from '../campaigns/owned-campaigns.ts';
import { ownedContacts } from '../contacts/owned-contacts.ts';
import { visibleConversations } from '../conversations/owned-conversations.ts';
import type { Principal } from '../principal.ts';
import { Engagement, engagementTotals } from './engagement.ts';
import { campaignLive, ownedBy } from './scope.ts';

const Count = z.number().int();

export const Overview = z.object({
  campaigns: z
    .object({ total: Count, draft: Count, active: Count, paused: Count, completed: Count })
    .describe('campaigns not deleted, by status'),
  contacts: z.object({ total: Count, unsubscribed: Count }).describe('contacts not deleted'),
  conversations: z
    .object({
      total: Count,
      unread: Count.describe('conversations with unread replies'),
      unread_messages: Count.describe('unread replies across conversations'),
    })
    .describe('conversations as conversations.list shows them'),
  messages: z
    .object({
      pending_approval: Count.describe('drafts waiting for a person'),
      scheduled: Count.describe('approved or queued, not sent yet'),
      failed: Count.describe('failed to send (MESSAGE_001)'),
    })
    .describe('our messages not sent yet or not sendable'),
  engagement: Engagement.describe(
    'sent, delivered, opened, bounced; contacts sent to, contacts who replied and the reply rate',
  ),
});
export type Overview = z.infer<typeof Overview>;

interface CountsRow {
  campaigns_total: number;
  draft: number;
  active: number;
  paused: number;
  completed: number;
  contacts_total: number;
  unsubscribed: number;
  conversations_total: number;
  unread: number;
  unread_messages: number;
  pending_approval: number;
  scheduled: number;
  failed: number;
}

export async function overviewOf(db: Db, principal: Principal): Promise<Overview> {
  const [rows, engagement] = await Promise.all([
    queryRows<CountsRow>(
      db,
      sql`with c as (
          select count(*)::int as campaigns_total,
            count(*) filter (where ${campaigns.status} = 'draft')::int as draft,
            count(*) filter (where ${campaigns.status} = 'active')::int as active,
            count(*) filter (where ${campaigns.status} = 'paused')::int as paused,
            count(*) filter (where ${campaigns.status} = 'completed')::int as completed
          from ${campaigns} where ${ownedCampaigns(principal)}
        ),
        k as (
          select count(*)::int as contacts_total,
            count(*) filter (where ${contacts.unsubscribedAt} is not null)::int as unsubscribed
          from ${contacts} where ${ownedContacts(principal)}
        ),
        v as (
          select count(*)::int as conversations_total,
            count(*) filter (where ${conversations.unreadCount} > 0)::int as unread,
            coalesce(sum(${conversations.unreadCount}), 0)::int as unread_messages
          from ${conversations} where ${visibleConversations(principal)}
        ),
        w as (
          select count(*) filter (where ${messages.status} = 'pending_approval')::int as pending_approval,
            count(*) filter (where ${messages.status} in ('approved', 'queued'))::int as scheduled,
            count(*) filter (where ${messages.status} = 'failed')::int as failed
          from ${messages}
          where ${ownedBy(principal, messages)} and ${messages.direction} = 'outbound'
            and ${messages.status} in ('pending_approval', 'approved', 'queued', 'failed')
            and ${campaignLive(messages.campaignId)}
        )
        select * from c, k, v, w`,
    ),
    engagementTotals(db, { principal }),
  ]);
  const row = rows[0];
  if (!row) throw new Error('the overview query answered no row');
  return {
    campaigns: {
      total: row.campaigns_total,
      draft: row.draft,
      active: row.active,
      paused: row.paused,
      completed: row.completed,
    },
    contacts: { total: row.contacts_total, unsubscribed: row.unsubscribed },
    conversations: {
      total: row.conversations_total,
      unread: row.unread,
      unread_messages: row.unread_messages,
    },
    messages: { pending_approval: row.pending_approval, scheduled: row.scheduled, failed: row.failed },
    engagement,
  };
}
