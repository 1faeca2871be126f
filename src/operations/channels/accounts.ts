import { and, desc } from 'drizzle-orm';
import { z } from 'zod';
import { channelAccounts } from '../../../db/schema-channels.ts';
import {
  ChannelAccount,
  connectedAccountsOf,
  DM_CHANNEL_NAMES,
  toChannelAccount,
} from '../../domain/channels/channel-accounts.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { afterCursor, PaginationInput, pageOf } from '../../domain/pagination.ts';
import { defineOperation } from '../define-operation.ts';

export const channelsAccounts = defineOperation({
  id: 'channels.accounts',
  method: 'GET',
  path: '/channels/accounts',
  summary: 'list the connected Instagram and X accounts, newest first (tokens are never shown)',
  scope: 'read',
  paginated: true,
  input: z.object({
    channel: z.enum(DM_CHANNEL_NAMES).optional().describe('only accounts of this channel'),
    ...PaginationInput,
  }),
  output: z.array(ChannelAccount),
  handler: async (ctx, input) => {
    const rows = await ctx.db
      .select()
      .from(channelAccounts)
      .where(
        and(
          connectedAccountsOf(eventOwnerOf(ctx.principal), input.channel),
          afterCursor(input.cursor, channelAccounts.createdAt, channelAccounts.id),
        ),
      )
      .orderBy(desc(channelAccounts.createdAt), desc(channelAccounts.id))
      .limit(input.limit + 1);
    const page = pageOf(rows, input.limit);
    return { data: page.rows.map(toChannelAccount), meta: { pagination: page.pagination } };
  },
});
