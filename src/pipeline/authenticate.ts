/**
 * Resolves the Authorization header to a principal. No header means anonymous (payable operations may
 * still be paid for); a header that does not authenticate is an error, never a silent downgrade.
 */
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import { apiKeys } from '../../db/schema.ts';
import { hashApiKey } from '../domain/api-keys/key-material.ts';
import type { GrantedScope, Principal } from '../domain/principal.ts';
import { API_KEY_PATTERN } from '../env.ts';
import { ApiError } from '../errors/api-error.ts';
import type { Services } from '../services.ts';

/** last_used_at is refreshed at most this often per key, so reads do not turn into writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const BEARER_CHALLENGE = 'Bearer realm="iris"';

function unauthorized(
  code: 'APIKEY_001' | 'APIKEY_002' | 'APIKEY_003' | 'AUTH_001',
  message?: string,
): ApiError {
  return new ApiError(code, message, { headers: { 'WWW-Authenticate': BEARER_CHALLENGE } });
}

export async function authenticate(
  services: Services,
  authorization: string | undefined,
  now: Date,
): Promise<Principal> {
  if (authorization === undefined || authorization.trim() === '') return { kind: 'anonymous' };
  const match = /^(\S+)\s+(\S+)\s*$/.exec(authorization.trim());
  if (!match || (match[1] as string).toLowerCase() !== 'bearer') {
    throw unauthorized('AUTH_001', 'unsupported Authorization header: use Bearer is_live_…');
  }
  const token = match[2] as string;
  if (!API_KEY_PATTERN.test(token)) throw unauthorized('APIKEY_001', 'invalid API key format');

  const [row] = await services.db
    .select({
      id: apiKeys.id,
      userId: apiKeys.userId,
      scopes: apiKeys.scopes,
      expiresAt: apiKeys.expiresAt,
      revokedAt: apiKeys.revokedAt,
      lastUsedAt: apiKeys.lastUsedAt,
    })
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, hashApiKey(token)))
    .limit(1);
  if (!row) throw unauthorized('APIKEY_001', 'invalid API key');
  if (row.revokedAt) throw unauthorized('APIKEY_003');
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) throw unauthorized('APIKEY_002');

  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await services.db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now))));
  }
  return { kind: 'key', userId: row.userId, keyId: row.id, scopes: row.scopes as GrantedScope[] };
}
