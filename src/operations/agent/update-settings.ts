import { z } from 'zod';
import { paymentReaderOf } from '../../domain/payments/payment-view.ts';
import { readSpendCaps, SpendCaps, updateSpendCaps } from '../../domain/payments/spend-caps.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';
import { settingsIdentity } from './settings-identity.ts';

const Cap = z.number().int().min(0).max(100_000_000).nullable();

export const agentUpdateSettings = defineOperation({
  id: 'agent.update_settings',
  method: 'PATCH',
  path: '/agent/settings',
  summary:
    "set an agent identity's spend caps in US cents (null removes one); a payment that would pass a cap is refused with 402 PAYMENT_008 before any money moves",
  scope: 'write',
  audit: 'update_agent_settings',
  errors: ['AUTH_002', 'SERVER_003'],
  input: z.strictObject({
    identity_id: z.uuid().optional().describe('operator only: the identity to change'),
    daily_cap_cents: Cap.optional().describe('most paid per UTC day; null: no cap'),
    per_campaign_cap_cents: Cap.optional().describe('most one paid campaign may cost; null: no cap'),
  }),
  output: SpendCaps,
  handler: async (ctx, input) => {
    const identityId = settingsIdentity(ctx.principal, await paymentReaderOf(ctx.db, ctx.principal), input);
    if (!(await updateSpendCaps(ctx.db, identityId, input))) {
      throw new ApiError('SERVER_003', 'agent identity not found');
    }
    return {
      data: await readSpendCaps(ctx.db, identityId, ctx.now),
      resourceId: identityId,
      auditMetadata: {
        daily_cap_cents: input.daily_cap_cents,
        per_campaign_cap_cents: input.per_campaign_cap_cents,
      },
    };
  },
});
