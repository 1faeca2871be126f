/**
 * The public shape of an API key (never its secret or hash) and the mapping from a row to it.
 */
import { z } from 'zod';
import type { apiKeys } from '../../../db/schema.ts';
import { GRANTABLE_SCOPES, type GrantedScope } from '../principal.ts';
import { isoOrNull, Timestamp } from '../timestamps.ts';

export const ScopeSchema = z.enum(GRANTABLE_SCOPES as [GrantedScope, ...GrantedScope[]]);

export const ApiKeyView = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().describe('first characters of the key, for recognising it; not a secret'),
  scopes: z.array(ScopeSchema),
  status: z.enum(['active', 'expired', 'revoked']),
  created_at: Timestamp,
  expires_at: Timestamp.nullable(),
  last_used_at: Timestamp.nullable(),
  revoked_at: Timestamp.nullable(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;

export const ApiKeyWithSecret = ApiKeyView.extend({
  key: z.string().describe('the raw API key; shown once, store it now'),
});
export type ApiKeyWithSecret = z.infer<typeof ApiKeyWithSecret>;

type ApiKeyRow = typeof apiKeys.$inferSelect;

export function keyStatus(row: Pick<ApiKeyRow, 'revokedAt' | 'expiresAt'>, now: Date): ApiKeyView['status'] {
  if (row.revokedAt) return 'revoked';
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

export function toApiKeyView(row: ApiKeyRow, now: Date): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as GrantedScope[],
    status: keyStatus(row, now),
    created_at: row.createdAt.toISOString(),
    expires_at: isoOrNull(row.expiresAt),
    last_used_at: isoOrNull(row.lastUsedAt),
    revoked_at: isoOrNull(row.revokedAt),
  };
}
