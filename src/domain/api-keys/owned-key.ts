/**
 * Looks up a key of the caller's account; any other account's key is "not found", never forbidden, so
 * ids do not leak across tenants.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { apiKeys } from '../../../db/schema.ts';
import { ApiError } from '../../errors/api-error.ts';
import type { Principal } from '../principal.ts';

const Uuid = z.uuid();

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export function keyNotFound(): ApiError {
  return new ApiError('APIKEY_006');
}

export function userIdOf(principal: Principal): string {
  if (principal.kind === 'anonymous') throw new ApiError('APIKEY_001');
  return principal.userId;
}

/** Loads the key, locking its row when `forUpdate` (inside a transaction). */
export async function findOwnedKey(
  db: Db,
  principal: Principal,
  id: string,
  forUpdate = false,
): Promise<ApiKeyRow> {
  if (!Uuid.safeParse(id).success) throw keyNotFound();
  const query = db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.id, id), eq(apiKeys.userId, userIdOf(principal))))
    .limit(1);
  const [row] = forUpdate ? await query.for('update') : await query;
  if (!row) throw keyNotFound();
  return row;
}
