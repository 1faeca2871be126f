import { z } from 'zod';
import { ApiKeyView, toApiKeyView } from '../../domain/api-keys/api-key-view.ts';
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
    // Authentication already loaded this key's record: no second lookup.
    const { key } = ctx.principal;
    return { data: { ...toApiKeyView(key, ctx.now), user_id: key.userId } };
  },
});
