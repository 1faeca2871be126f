import { z } from 'zod';
import { paymentReaderOf } from '../../domain/payments/payment-view.ts';
import { readSpendCaps, SpendCaps } from '../../domain/payments/spend-caps.ts';
import { defineOperation } from '../define-operation.ts';
import { settingsIdentity } from './settings-identity.ts';

export const agentSettings = defineOperation({
  id: 'agent.settings',
  method: 'GET',
  path: '/agent/settings',
  summary:
    "an agent identity's spend caps (daily_cap_cents, per_campaign_cap_cents) and what it spent today: the agent's key or MPP credential, or the operator's admin key with identity_id",
  scope: 'read',
  agentProof: true,
  errors: ['AUTH_002', 'SERVER_003'],
  input: z.object({ identity_id: z.uuid().optional().describe('operator only: the identity to read') }),
  output: SpendCaps,
  handler: async (ctx, input) => {
    const identityId = settingsIdentity(ctx.principal, await paymentReaderOf(ctx.db, ctx.principal), input);
    return { data: await readSpendCaps(ctx.db, identityId, ctx.now) };
  },
});
