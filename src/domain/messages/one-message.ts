/**
 * Acting on one message by id: the decision's answer as the single-message operations give it (the
 * message, or MESSAGE_005 / MESSAGE_004 naming its status).
 */
import type { Db } from '../../../db/client.ts';
import { ApiError } from '../../errors/api-error.ts';
import type { Principal } from '../principal.ts';
import { type Decision, decideMessages } from './decide-messages.ts';
import { type Message, selectMessages, toMessage } from './message-view.ts';
import { ownedMessage } from './owned-messages.ts';

export async function messageView(db: Db, principal: Principal, id: string): Promise<Message> {
  const [row] = await selectMessages(db).where(ownedMessage(principal, id));
  if (!row) throw new ApiError('MESSAGE_005');
  return toMessage(row);
}

export async function decideOne(
  tx: Db,
  principal: Principal,
  id: string,
  decision: Decision,
  now: Date,
): Promise<Message> {
  ownedMessage(principal, id);
  const [outcome] = await decideMessages(tx, principal, [id], decision, now);
  if (!outcome || outcome.result === 'not_found') throw new ApiError('MESSAGE_005');
  if (outcome.result === 'not_pending') {
    throw new ApiError(
      'MESSAGE_004',
      `only a message waiting for approval can be decided; this one is ${outcome.status}`,
    );
  }
  return messageView(tx, principal, id);
}
