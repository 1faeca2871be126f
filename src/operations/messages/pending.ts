import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { messages } from '../../../db/schema-messages.ts';
import { ownedCampaignId } from '../../domain/campaigns/owned-campaigns.ts';
import { Message, selectMessages, toMessage } from '../../domain/messages/message-view.ts';
import { ownedMessages } from '../../domain/messages/owned-messages.ts';
import { afterCursor, PaginationInput, pageOf } from '../../domain/pagination.ts';
import { defineOperation } from '../define-operation.ts';

export const messagesPending = defineOperation({
  id: 'messages.pending',
  method: 'GET',
  path: '/messages/pending',
  summary: 'list drafts waiting for approval, newest first; optionally one campaign’s',
  scope: 'read',
  paginated: true,
  errors: ['CAMP_001'],
  input: z.object({
    campaign_id: z.string().optional().describe('only this campaign’s drafts'),
    ...PaginationInput,
  }),
  output: z.array(Message),
  handler: async (ctx, input) => {
    const campaignId = input.campaign_id
      ? await ownedCampaignId(ctx.db, ctx.principal, input.campaign_id)
      : undefined;
    const rows = await selectMessages(ctx.db)
      .where(
        and(
          ownedMessages(ctx.principal),
          eq(messages.status, 'pending_approval'),
          campaignId ? eq(messages.campaignId, campaignId) : undefined,
          afterCursor(input.cursor, messages.createdAt, messages.id),
        ),
      )
      .orderBy(desc(messages.createdAt), desc(messages.id))
      .limit(input.limit + 1);
    const page = pageOf(rows, input.limit);
    return { data: page.rows.map(toMessage), meta: { pagination: page.pagination } };
  },
});
