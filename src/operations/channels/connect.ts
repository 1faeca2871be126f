import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { channelAccounts } from '../../../db/schema-channels.ts';
import {
  ChannelAccount,
  DM_CHANNEL_NAMES,
  toChannelAccount,
} from '../../domain/channels/channel-accounts.ts';
import { eventOwnerOf } from '../../domain/events/emit.ts';
import { ApiError } from '../../errors/api-error.ts';
import { ChannelFailure, type ChannelIdentity } from '../../integrations/channels/channel-port.ts';
import { defineOperation } from '../define-operation.ts';

export const channelsConnect = defineOperation({
  id: 'channels.connect',
  method: 'POST',
  path: '/channels/accounts',
  summary:
    'connect an Instagram professional account or an X account with its access token (checked with the platform, stored encrypted, never shown again); connecting an account again replaces its token',
  scope: 'write',
  idempotency: 'optional',
  audit: 'connect_channel_account',
  successStatus: 201,
  errors: ['SERVER_009'],
  input: z.strictObject({
    channel: z.enum(DM_CHANNEL_NAMES).describe('instagram or twitter (X)'),
    access_token: z
      .string()
      .min(1)
      .max(4096)
      // Tokens travel in an HTTP header: printable ASCII only.
      .regex(/^[\x21-\x7e]+$/, 'a token is printable ASCII without spaces')
      .describe(
        'Instagram: an Instagram user access token (instagram_business_basic, instagram_business_manage_messages); X: an OAuth 2.0 user token (dm.write, dm.read, users.read, tweet.read)',
      ),
  }),
  output: ChannelAccount,
  handler: async (ctx, input) => {
    let identity: ChannelIdentity;
    try {
      identity = await ctx.services.channels.dm(input.channel).identify(input.access_token);
    } catch (error) {
      if (!(error instanceof ChannelFailure)) throw error;
      if (error.reason === 'transient') {
        throw new ApiError('SERVER_009', `${input.channel} could not check the token now: ${error.message}`);
      }
      throw new ApiError(
        'SERVER_005',
        `invalid input - access_token: ${input.channel} refused it (${error.message})`,
      );
    }
    const owner = eventOwnerOf(ctx.principal);
    const values = {
      userId: owner.userId,
      agentIdentityId: owner.agentIdentityId,
      channel: input.channel,
      externalAccountId: identity.externalAccountId,
      handle: identity.handle,
      tokenSealed: ctx.services.sealer.seal(input.access_token),
      createdAt: ctx.now,
      updatedAt: ctx.now,
    };
    const [row] = await ctx.db
      .insert(channelAccounts)
      .values(values)
      .onConflictDoUpdate({
        target: owner.agentIdentityId
          ? [channelAccounts.agentIdentityId, channelAccounts.channel, channelAccounts.externalAccountId]
          : [channelAccounts.userId, channelAccounts.channel, channelAccounts.externalAccountId],
        targetWhere: owner.agentIdentityId
          ? sql`agent_identity_id is not null`
          : sql`agent_identity_id is null`,
        set: {
          handle: values.handle,
          tokenSealed: values.tokenSealed,
          updatedAt: ctx.now,
          disconnectedAt: null,
        },
      })
      .returning();
    if (!row) throw new Error('channel account upsert returned nothing');
    return {
      data: toChannelAccount(row),
      auditMetadata: { channel: row.channel, handle: row.handle, external_account_id: row.externalAccountId },
    };
  },
});
