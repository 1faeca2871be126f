/**
 * Records a domain event in the outbox, in the transaction of the change it reports: the event exists
 * exactly when the change committed. A trigger on `events` makes, in the same statement, the event's
 * webhook deliveries and their jobs (src/domain/webhooks/fan-out.ts), whichever code inserts the row, so a
 * committed event is delivered and a rolled-back one never is.
 */
import type { Db } from '../../../db/client.ts';
import { events } from '../../../db/schema-events.ts';
import { userIdOf } from '../api-keys/owned-key.ts';
import { agentIdentityOf, type Principal } from '../principal.ts';
import type { EmittedEvent, EventData } from './event-types.ts';

/** Whose event it is: the account, or the agent identity acting for the system account. */
export interface EventOwner {
  userId: string;
  agentIdentityId: string | null;
}

export function eventOwnerOf(principal: Principal): EventOwner {
  return { userId: userIdOf(principal), agentIdentityId: agentIdentityOf(principal) };
}

export async function emit<E extends EmittedEvent>(
  tx: Db,
  owner: EventOwner,
  type: E,
  data: EventData<E>,
  occurredAt: Date,
): Promise<void> {
  await emitAll(tx, owner, type, [data], occurredAt);
}

/** One event of `type` per item of `data`, in one statement. */
export async function emitAll<E extends EmittedEvent>(
  tx: Db,
  owner: EventOwner,
  type: E,
  data: readonly EventData<E>[],
  occurredAt: Date,
): Promise<void> {
  if (data.length === 0) return;
  await tx.insert(events).values(
    data.map((item) => ({
      userId: owner.userId,
      agentIdentityId: owner.agentIdentityId,
      type,
      data: item,
      occurredAt,
      createdAt: occurredAt,
    })),
  );
}
