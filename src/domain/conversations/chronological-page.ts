/**
 * The messages of one conversation in the order they happened, oldest first: an outbound message at
 * the time it went out (its sent_at; a message never sent at its creation), a reply at the time it was
 * received (its creation). Pages are cut with the cursor of the shared pagination, read forwards.
 */
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { messages } from '../../../db/schema-messages.ts';
import type { Pagination } from '../../operations/define-operation.ts';
import { type MessageRow, selectMessages } from '../messages/message-view.ts';
import { decodeCursor, encodeCursor } from '../pagination.ts';

/** When a message happened, as ordered in a conversation. */
const happenedAt = sql<Date>`coalesce(${messages.sentAt}, ${messages.createdAt})`;

/** Condition selecting rows after the cursor in (happened at, id) ascending order. */
function afterForwardCursor(cursor: string | undefined): SQL | undefined {
  if (!cursor) return undefined;
  const position = decodeCursor(cursor);
  const at = position.createdAt.toISOString();
  return sql`(${happenedAt} > ${at}::timestamptz or (${happenedAt} = ${at}::timestamptz and ${messages.id} > ${position.id}::uuid))`;
}

export async function conversationMessagesPage(
  db: Db,
  conversationId: string,
  input: { cursor?: string | undefined; limit: number },
): Promise<{ rows: MessageRow[]; pagination: Pagination }> {
  const rows = await selectMessages(db)
    .where(and(eq(messages.conversationId, conversationId), afterForwardCursor(input.cursor)))
    .orderBy(asc(happenedAt), asc(messages.id))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const page = hasMore ? rows.slice(0, input.limit) : rows;
  const last = page[page.length - 1];
  const next =
    hasMore && last ? encodeCursor({ createdAt: last.sentAt ?? last.createdAt, id: last.id }) : null;
  return { rows: page, pagination: { limit: input.limit, has_more: hasMore, next_cursor: next } };
}
