import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { apiKeys } from '../../../db/schema.ts';
import { ApiKeyView, toApiKeyView } from '../../domain/api-keys/api-key-view.ts';
import { findOwnedKey } from '../../domain/api-keys/owned-key.ts';
import { defineOperation } from '../define-operation.ts';

export const keysRevoke = defineOperation({
  id: 'keys.revoke',
  method: 'DELETE',
  path: '/keys/:id',
  summary: 'revoke an API key; irreversible, the key stops authenticating at once',
  scope: 'admin',
  audit: 'revoke_key',
  destructive: true,
  errors: ['APIKEY_006'],
  input: z.object({ id: z.string().describe('API key id') }),
  output: ApiKeyView,
  handler: async (ctx, input) => {
    const row = await findOwnedKey(ctx.db, ctx.principal, input.id, true);
    ctx.afterCommit(() => ctx.services.keyCache.invalidate(row.id));
    if (row.revokedAt) return { data: toApiKeyView(row, ctx.now), auditMetadata: { already_revoked: true } };
    const [updated] = await ctx.db
      .update(apiKeys)
      .set({ revokedAt: ctx.now })
      .where(and(eq(apiKeys.id, row.id), isNull(apiKeys.revokedAt)))
      .returning();
    return { data: toApiKeyView(updated ?? row, ctx.now), auditMetadata: { name: row.name } };
  },
});
