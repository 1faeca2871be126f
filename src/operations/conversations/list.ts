import { and, desc, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import { conversations } from '../../../db/schema-contacts.ts';
import { CHANNELS } from '../../domain/campaigns/channels.ts';
import { ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import { ConversationWithContact } from '../../domain/conversations/conversation-view.ts';
import {
  selectConversations,
  toConversationWithContact,
  visibleConversations,
} from '../../domain/conversations/owned-conversations.ts';
import { QueryBoolean } from '../../domain/conversations/query-boolean.ts';
import { afterCursor, PaginationInput, pageOf } from '../../domain/pagination.ts';
import { defineOperation } from '../define-operation.ts';

export const conversationsList = defineOperation({
  id: 'conversations.list',
  method: 'GET',
  path: '/conversations',
  summary: 'list conversations across all channels, newest first; filter by channel, campaign or unread',
  scope: 'read',
  paginated: true,
  errors: ['CAMP_001'],
  input: z.object({
    channel: z.enum(CHANNELS).optional().describe('only conversations on this channel'),
    campaign_id: z.string().optional().describe('only the conversations of this campaign'),
    unread: QueryBoolean.optional().describe(
      'true: only conversations with unread inbound messages; false: only fully read ones',
    ),
    ...PaginationInput,
  }),
  output: z.array(ConversationWithContact),
  handler: async (ctx, input) => {
    const campaignId = input.campaign_id
      ? await ownedCampaignId(ctx.db, ctx.principal, input.campaign_id)
      : undefined;
    const rows = await selectConversations(ctx.db)
      .where(
        and(
          visibleConversations(ctx.principal),
          input.channel ? eq(conversations.channel, input.channel) : undefined,
          campaignId ? eq(conversations.campaignId, campaignId) : undefined,
          input.unread === undefined
            ? undefined
            : input.unread
              ? gt(conversations.unreadCount, 0)
              : eq(conversations.unreadCount, 0),
          afterCursor(input.cursor, conversations.createdAt, conversations.id),
        ),
      )
      .orderBy(desc(conversations.createdAt), desc(conversations.id))
      .limit(input.limit + 1);
    const page = pageOf(rows, input.limit);
    return { data: page.rows.map(toConversationWithContact), meta: { pagination: page.pagination } };
  },
});
