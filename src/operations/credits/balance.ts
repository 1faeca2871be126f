import { z } from 'zod';
import { balanceOf } from '../../domain/credits/ledger.ts';
import { agentIdentityOf } from '../../domain/principal.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export function identityOrRefuse(principal: Parameters<typeof agentIdentityOf>[0]): string {
  const identity = agentIdentityOf(principal);
  if (!identity) {
    throw new ApiError(
      'AUTH_002',
      'credits belong to agent identities: call with the agent API key or an MPP credential (Authorization: Payment …)',
    );
  }
  return identity;
}

export const creditsBalance = defineOperation({
  id: 'credits.balance',
  method: 'GET',
  path: '/agent/credits',
  summary: "check the agent's current credit balance (agent API key or MPP credential; nothing is charged)",
  scope: 'read',
  agentProof: true,
  input: z.object({}),
  output: z.object({ balance: z.number().int().min(0), identity_id: z.uuid() }),
  handler: async (ctx) => {
    const identityId = identityOrRefuse(ctx.principal);
    return { data: { balance: await balanceOf(ctx.db, identityId), identity_id: identityId } };
  },
});
