/**
 * Connected channel accounts: whose they are (an account's, or an agent identity's — the same owner rule
 * as contacts), how the API shows them (never with their token), and which one a DM goes out from.
 */
import { and, desc, eq, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { channelAccountSends, channelAccounts } from '../../../db/schema-channels.ts';
import { messages } from '../../../db/schema-messages.ts';
import { ApiError } from '../../errors/api-error.ts';
import type { DmChannelName } from '../../integrations/channels/channel-port.ts';
import type { EventOwner } from '../events/emit.ts';
import { Timestamp } from '../timestamps.ts';

export type ChannelAccountRow = typeof channelAccounts.$inferSelect;

export const DM_CHANNEL_NAMES = ['instagram', 'twitter'] as const satisfies readonly DmChannelName[];

export const ChannelAccount = z.object({
  id: z.uuid(),
  channel: z.enum(DM_CHANNEL_NAMES),
  external_account_id: z.string().describe("the platform's id of the account"),
  handle: z.string().describe('the handle when it was connected, without the @'),
  status: z.enum(['connected', 'disconnected']),
  created_at: Timestamp,
  updated_at: Timestamp,
  disconnected_at: Timestamp.nullable(),
});
export type ChannelAccount = z.infer<typeof ChannelAccount>;

export function toChannelAccount(row: ChannelAccountRow): ChannelAccount {
  return {
    id: row.id,
    channel: row.channel as ChannelAccount['channel'],
    external_account_id: row.externalAccountId,
    handle: row.handle,
    status: row.disconnectedAt === null ? 'connected' : 'disconnected',
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
    disconnected_at: row.disconnectedAt?.toISOString() ?? null,
  };
}

/** The accounts of an owner, disconnected ones included. */
export function accountsOf(owner: EventOwner): SQL {
  return (
    owner.agentIdentityId
      ? eq(channelAccounts.agentIdentityId, owner.agentIdentityId)
      : and(eq(channelAccounts.userId, owner.userId), isNull(channelAccounts.agentIdentityId))
  ) as SQL;
}

/** The connected accounts of an owner. */
export function connectedAccountsOf(owner: EventOwner, channel?: DmChannelName): SQL {
  return and(
    accountsOf(owner),
    isNull(channelAccounts.disconnectedAt),
    channel ? eq(channelAccounts.channel, channel) : undefined,
  ) as SQL;
}

const Uuid = z.uuid();

export function accountNotFound(): ApiError {
  return new ApiError('SERVER_003', 'channel account not found');
}

/** A connected account of the owner by id, or SERVER_003. */
export async function ownedConnectedAccount(
  db: Db,
  owner: EventOwner,
  id: string,
): Promise<ChannelAccountRow> {
  if (!Uuid.safeParse(id).success) throw accountNotFound();
  const [row] = await db
    .select()
    .from(channelAccounts)
    .where(and(eq(channelAccounts.id, id), connectedAccountsOf(owner)));
  if (!row) throw accountNotFound();
  return row;
}

/**
 * The account a DM goes out from: the connected account that last sent in this conversation (a thread
 * stays with one sender), else the owner's most recently connected account on the channel.
 */
export async function sendingAccount(
  db: Db,
  owner: EventOwner,
  channel: DmChannelName,
  conversationId: string | null,
): Promise<ChannelAccountRow | undefined> {
  if (conversationId !== null) {
    const [previous] = await db
      .select({ account: channelAccounts })
      .from(channelAccountSends)
      .innerJoin(messages, eq(messages.id, channelAccountSends.messageId))
      .innerJoin(channelAccounts, eq(channelAccounts.id, channelAccountSends.accountId))
      .where(and(eq(messages.conversationId, conversationId), connectedAccountsOf(owner, channel)))
      .orderBy(desc(channelAccountSends.sentAt))
      .limit(1);
    if (previous) return previous.account;
  }
  const [newest] = await db
    .select()
    .from(channelAccounts)
    .where(connectedAccountsOf(owner, channel))
    .orderBy(desc(channelAccounts.updatedAt), desc(channelAccounts.id))
    .limit(1);
  return newest;
}
