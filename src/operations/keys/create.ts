import { and, count, eq, gt, isNull, or } from 'drizzle-orm';
import { z } from 'zod';
import { apiKeys, users } from '../../../db/schema.ts';
import { ApiKeyWithSecret, ScopeSchema } from '../../domain/api-keys/api-key-view.ts';
import { insertKey } from '../../domain/api-keys/insert-key.ts';
import { userIdOf } from '../../domain/api-keys/owned-key.ts';
import { assertCanGrant, normaliseScopes } from '../../domain/api-keys/scopes.ts';
import { TimestampInput } from '../../domain/storable.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

/** Active (unrevoked, unexpired) keys one account may hold. */
export const MAX_ACTIVE_KEYS = 25;

export const KeyName = z.string().trim().min(1).max(100).describe('display label');

export const keysCreate = defineOperation({
  id: 'keys.create',
  method: 'POST',
  path: '/keys',
  summary: 'create a new API key; the raw key is returned only once',
  scope: 'admin',
  idempotency: 'optional',
  audit: 'create_key',
  successStatus: 201,
  errors: ['APIKEY_005'],
  input: z.strictObject({
    name: KeyName,
    scopes: z.array(ScopeSchema).min(1).max(6).describe('read, write, generate, send, admin or *'),
    expires_at: TimestampInput.optional().describe(
      'when the key stops working (ISO 8601); omit for a key that does not expire',
    ),
  }),
  output: ApiKeyWithSecret,
  handler: async (ctx, input) => {
    const userId = userIdOf(ctx.principal);
    const scopes = normaliseScopes(input.scopes);
    assertCanGrant(ctx.principal, scopes);
    const expiresAt = input.expires_at ? new Date(input.expires_at) : null;
    if (expiresAt && expiresAt.getTime() <= ctx.now.getTime()) {
      throw new ApiError('SERVER_005', 'invalid input - expires_at: must be in the future');
    }
    // Serialise key creation per account so the limit holds under concurrent requests.
    await ctx.db.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('no key update');
    const [active] = await ctx.db
      .select({ n: count() })
      .from(apiKeys)
      .where(
        and(
          eq(apiKeys.userId, userId),
          isNull(apiKeys.revokedAt),
          or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, ctx.now)),
        ),
      );
    if ((active?.n ?? 0) >= MAX_ACTIVE_KEYS) {
      throw new ApiError(
        'APIKEY_005',
        `API key creation limit reached: at most ${MAX_ACTIVE_KEYS} active keys per account; revoke one first`,
      );
    }
    const created = await insertKey(ctx.db, { userId, name: input.name, scopes, expiresAt }, ctx.now);
    return {
      data: created,
      auditMetadata: { name: created.name, scopes: created.scopes, expires_at: created.expires_at },
    };
  },
});
