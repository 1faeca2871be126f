/**
 * Which messages a principal may see: its account's, or, for an agent key, its identity's. Everything
 * else is "not found" (MESSAGE_005).
 */
import { and, eq, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { messages } from '../../../db/schema-messages.ts';
import { ApiError } from '../../errors/api-error.ts';
import { userIdOf } from '../api-keys/owned-key.ts';
import { agentIdentityOf, type Principal } from '../principal.ts';

const Uuid = z.uuid();

export const MessageIdInput = { id: z.string().describe('message id') };

export function ownedMessages(principal: Principal): SQL {
  const identity = agentIdentityOf(principal);
  return (
    identity
      ? eq(messages.agentIdentityId, identity)
      : and(eq(messages.userId, userIdOf(principal)), isNull(messages.agentIdentityId))
  ) as SQL;
}

/** Message `id` if the principal may see it; an id that cannot name a message is MESSAGE_005 at once. */
export function ownedMessage(principal: Principal, id: string): SQL {
  if (!Uuid.safeParse(id).success) throw new ApiError('MESSAGE_005');
  return and(eq(messages.id, id), ownedMessages(principal)) as SQL;
}
