import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { apiKeys } from '../../../db/schema.ts';
import { ApiKeyView, toApiKeyView } from '../../domain/api-keys/api-key-view.ts';
import { findOwnedKey } from '../../domain/api-keys/owned-key.ts';
import { defineOperation } from '../define-operation.ts';
import { KeyName } from './create.ts';

export const keysRename = defineOperation({
  id: 'keys.rename',
  method: 'PATCH',
  path: '/keys/:id',
  summary: 'rename an API key; only the display label changes, never the secret, scopes or expiry',
  scope: 'admin',
  audit: 'rename_key',
  errors: ['APIKEY_006'],
  input: z.strictObject({ id: z.string().describe('API key id'), name: KeyName }),
  output: ApiKeyView,
  handler: async (ctx, input) => {
    const row = await findOwnedKey(ctx.db, ctx.principal, input.id, true);
    ctx.afterCommit(() => ctx.services.keyCache.invalidate(row.id));
    const [updated] = await ctx.db
      .update(apiKeys)
      .set({ name: input.name })
      .where(eq(apiKeys.id, row.id))
      .returning();
    return {
      data: toApiKeyView(updated ?? row, ctx.now),
      auditMetadata: { from: row.name, to: input.name },
    };
  },
});
