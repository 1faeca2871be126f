import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { apiKeys } from '../../../db/schema.ts';
import { ApiKeyWithSecret } from '../../domain/api-keys/api-key-view.ts';
import { insertKey } from '../../domain/api-keys/insert-key.ts';
import { findOwnedKey } from '../../domain/api-keys/owned-key.ts';
import { assertCanGrant } from '../../domain/api-keys/scopes.ts';
import type { GrantedScope } from '../../domain/principal.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const keysRotate = defineOperation({
  id: 'keys.rotate',
  method: 'POST',
  path: '/keys/:id/rotate',
  summary:
    'rotate an API key: revoke it and issue a new one with the same name, scopes and expiry; the new raw key is returned once and the old one stops at once. The key making the request cannot rotate itself',
  scope: 'admin',
  idempotency: 'optional',
  audit: 'rotate_key',
  successStatus: 201,
  errors: ['APIKEY_006'],
  input: z.object({ id: z.string().describe('API key id') }),
  output: ApiKeyWithSecret,
  handler: async (ctx, input) => {
    if (ctx.principal.kind === 'key' && ctx.principal.keyId === input.id) {
      throw new ApiError(
        'SERVER_002',
        'cannot rotate the API key used for this request; authenticate with another admin key',
      );
    }
    const old = await findOwnedKey(ctx.db, ctx.principal, input.id, true);
    ctx.afterCommit(() => ctx.services.keyCache.invalidate(old.id));
    // The caller receives the new secret, so it must hold every scope the key carries.
    assertCanGrant(ctx.principal, old.scopes as GrantedScope[]);
    if (old.revokedAt) throw new ApiError('SERVER_002', 'API key is revoked; create a new key instead');
    if (old.expiresAt && old.expiresAt.getTime() <= ctx.now.getTime()) {
      throw new ApiError('SERVER_002', 'API key is expired; create a new key instead');
    }
    const revoked = await ctx.db
      .update(apiKeys)
      .set({ revokedAt: ctx.now })
      .where(and(eq(apiKeys.id, old.id), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    if (revoked.length === 0)
      throw new ApiError('SERVER_002', 'API key is revoked; create a new key instead');
    const created = await insertKey(
      ctx.db,
      {
        userId: old.userId,
        name: old.name,
        scopes: old.scopes as GrantedScope[],
        expiresAt: old.expiresAt,
        rotatedFromId: old.id,
      },
      ctx.now,
    );
    return {
      data: created,
      resourceId: old.id,
      auditMetadata: { rotated_from: old.id, new_key_id: created.id },
    };
  },
});
