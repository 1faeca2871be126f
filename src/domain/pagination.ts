/**
 * Keyset pagination shared by list operations: newest first, a cursor naming the last row seen.
 */
import { and, type Column, eq, lt, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { ApiError } from '../errors/api-error.ts';
import type { Pagination } from '../operations/define-operation.ts';
import { storableDate } from './storable.ts';

const Uuid = z.uuid();

export const MAX_PAGE_SIZE = 100;

export const PaginationInput = {
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(20)
    .describe(`page size, 1-${MAX_PAGE_SIZE}`),
  cursor: z.string().max(200).optional().describe('next_cursor from the previous page'),
};

interface CursorPosition {
  createdAt: Date;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(`${position.createdAt.toISOString()}|${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  const [iso, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(iso ?? '');
  if (!id || !storableDate(createdAt) || !Uuid.safeParse(id).success) {
    throw new ApiError('SERVER_002', 'invalid cursor: pass next_cursor from a previous page unchanged');
  }
  return { createdAt, id };
}

/** Condition selecting rows after the cursor in (created_at desc, id desc) order. */
export function afterCursor(cursor: string | undefined, createdAt: Column, id: Column): SQL | undefined {
  if (!cursor) return undefined;
  const position = decodeCursor(cursor);
  return or(lt(createdAt, position.createdAt), and(eq(createdAt, position.createdAt), lt(id, position.id)));
}

/** Cuts the extra row fetched to learn whether another page exists. */
export function pageOf<R extends CursorPosition>(
  rows: R[],
  limit: number,
): { rows: R[]; pagination: Pagination } {
  const hasMore = rows.length > limit;
  const page = hasMore ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  return {
    rows: page,
    pagination: { limit, has_more: hasMore, next_cursor: hasMore && last ? encodeCursor(last) : null },
  };
}

export const PaginationMeta = z.object({
  pagination: z.object({
    limit: z.number().int(),
    has_more: z.boolean(),
    next_cursor: z.string().nullable(),
  }),
});
