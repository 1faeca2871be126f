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
import type { ApiKeyRecord } from './key-cache.ts';

/** last_used_at is refreshed at most this often per key, so reads do not turn into writes. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const BEARER_CHALLENGE = 'Bearer realm="iris"';

/** Every caller without a key: one object, never changed. */
const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous' });

function unauthorized(
  code: 'APIKEY_001' | 'APIKEY_002' | 'APIKEY_003' | 'AUTH_001',
  message?: string,
): ApiError {
  return new ApiError(code, message, { headers: { 'WWW-Authenticate': BEARER_CHALLENGE } });
}

async function findKey(services: Services, hash: string, nowMs: number): Promise<ApiKeyRecord | undefined> {
  const cached = services.keyCache.get(hash, nowMs);
  if (cached) return cached;
  const [row] = await services.db.select().from(apiKeys).where(eq(apiKeys.keyHash, hash)).limit(1);
  if (row) services.keyCache.set(hash, row, nowMs);
  return row;
}

export async function authenticate(
  services: Services,
  authorization: string | undefined,
  now: Date,
): Promise<Principal> {
  if (authorization === undefined || authorization.trim() === '') return ANONYMOUS;
  const match = /^(\S+)\s+(\S+)\s*$/.exec(authorization.trim());
  // A payment credential is not an identity by itself: the payment rails read it.
  if (match && (match[1] as string).toLowerCase() === 'payment') return ANONYMOUS;
  if (!match || (match[1] as string).toLowerCase() !== 'bearer') {
    throw unauthorized(
      'AUTH_001',
      'unsupported Authorization header: use Bearer is_live_… (or Payment for MPP)',
    );
  }
  const token = match[2] as string;
  if (!API_KEY_PATTERN.test(token)) throw unauthorized('APIKEY_001', 'invalid API key format');

  const key = await findKey(services, hashApiKey(token), now.getTime());
  if (!key) throw unauthorized('APIKEY_001', 'invalid API key');
  if (key.revokedAt) throw unauthorized('APIKEY_003');
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) throw unauthorized('APIKEY_002');

  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Updates the cached record in place too: later requests see the new value without a query.
    key.lastUsedAt = now;
    await services.db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(and(eq(apiKeys.id, key.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now))));
  }
  return {
    kind: 'key',
    userId: key.userId,
    keyId: key.id,
    scopes: key.scopes as GrantedScope[],
    key,
    agentIdentityId: key.agentIdentityId,
  };
}
