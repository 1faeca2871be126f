import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { channelAccounts } from '../../../db/schema-channels.ts';
import {
  accountNotFound,
  ChannelAccount,
  ownedConnectedAccount,
  toChannelAccount,
} from '../../domain/channels/channel-accounts.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { defineOperation } from '../define-operation.ts';

export const channelsDisconnect = defineOperation({
  id: 'channels.disconnect',
  method: 'DELETE',
  path: '/channels/accounts/:id',
  summary: 'disconnect a channel account: its token is erased and no DM goes out from it any more',
  scope: 'write',
  audit: 'disconnect_channel_account',
  destructive: true,
  errors: ['SERVER_003'],
  input: z.object({ id: z.string().describe('channel account id') }),
  output: ChannelAccount,
  handler: async (ctx, input) => {
    const account = await ownedConnectedAccount(ctx.db, eventOwnerOf(ctx.principal), input.id);
    const [row] = await ctx.db
      .update(channelAccounts)
      // The token is dropped, not kept sealed: a disconnected account needs none.
      .set({ disconnectedAt: ctx.now, updatedAt: ctx.now, tokenSealed: '' })
      .where(eq(channelAccounts.id, account.id))
      .returning();
    if (!row) throw accountNotFound();
    return { data: toChannelAccount(row), auditMetadata: { channel: row.channel, handle: row.handle } };
  },
});
