import { z } from 'zod';
import { ApiKeyView, toApiKeyView } from '../../domain/api-keys/api-key-view.ts';
import { findOwnedKey } from '../../domain/api-keys/owned-key.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const keysMe = defineOperation({
  id: 'keys.me',
  method: 'GET',
  path: '/keys/me',
  summary: 'get information about the currently authenticated API key',
  scope: 'none',
  input: z.object({}),
  output: ApiKeyView.extend({ user_id: z.uuid() }),
  handler: async (ctx) => {
    if (ctx.principal.kind !== 'key') throw new ApiError('APIKEY_001');
    const row = await findOwnedKey(ctx.db, ctx.principal, ctx.principal.keyId);
    return { data: { ...toApiKeyView(row, ctx.now), user_id: row.userId } };
  },
});
