/**
 * Paying for a campaign with a credit: the debit is booked first (the balance can never go below zero,
 * so of N parallel requests exactly `balance` get through), then the campaign is created with the id
 * the debit names; if that fails the credit comes back as a refund entry, never an edit.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { enqueueCampaignRun } from '../../src/domain/campaigns/activate-campaign.ts';
import { InsufficientCredits, postEntry } from '../../src/domain/credits/ledger.ts';
import type { AgentPrincipal } from '../../src/domain/principal.ts';
import { AGENT_SCOPES } from '../../src/domain/principal.ts';
import type { OperationResponse, StoredResponse } from '../../src/pipeline/operation-io.ts';
import { runHandler } from '../../src/pipeline/run-handler.ts';
import type { PaidCall } from '../gateway/rail.ts';
import type { MppDeps } from './mpp-deps.ts';

export function agentPrincipalOf(deps: Pick<MppDeps, 'services'>, identityId: string): AgentPrincipal {
  return { kind: 'agent', userId: deps.services.systemUserId, identityId, scopes: AGENT_SCOPES };
}

export const debitReference = (campaignId: string) => `campaign:${campaignId}:debit`;
export const refundReference = (campaignId: string) => `campaign:${campaignId}:refund`;

/** Gives a debited credit back (idempotent: one refund per debit). */
export async function refundDebit(
  deps: MppDeps,
  identityId: string,
  campaignId: string,
  debitEntryId: string,
  reason: string,
): Promise<void> {
  await postEntry(deps.services.db, {
    identityId,
    kind: 'refund',
    credits: 1,
    reference: refundReference(campaignId),
    campaignId,
    reversesEntryId: debitEntryId,
    metadata: { reason },
    at: deps.services.clock(),
  });
}

/**
 * Undefined when the identity has no credit left. `inTransaction` runs in the campaign's transaction
 * with the final response (an Idempotency-Key stored with the campaign).
 */
export async function spendCredit(
  deps: MppDeps,
  call: PaidCall,
  identityId: string,
  inTransaction?: (tx: Db, response: StoredResponse) => Promise<void>,
): Promise<OperationResponse | undefined> {
  const campaignId = randomUUID();
  let debit: Awaited<ReturnType<typeof postEntry>>;
  try {
    // One statement, atomic on its own: no transaction around it.
    debit = await postEntry(deps.services.db, {
      identityId,
      kind: 'debit',
      credits: -1,
      reference: debitReference(campaignId),
      campaignId,
      metadata: { operation: call.operation.id, request_id: call.request.requestId },
      at: call.now,
    });
  } catch (error) {
    if (error instanceof InsufficientCredits) return undefined;
    throw error;
  }
  let response: StoredResponse | undefined;
  try {
    await runHandler(
      deps.services,
      call.operation,
      call.input,
      {
        principal: agentPrincipalOf(deps, identityId),
        requestId: call.request.requestId,
        services: deps.services,
        now: call.now,
        payment: { rail: 'mpp', settlesAfterCommit: false, reference: debitReference(campaignId) },
        newId: campaignId,
      },
      {
        after: async (tx, run) => {
          await enqueueCampaignRun(tx, campaignId);
          const body = run.response.body as Record<string, unknown>;
          response = {
            status: run.response.status,
            headers: run.response.headers,
            body: {
              ...body,
              meta: {
                payment: { rail: 'mpp', credits_spent: 1, balance: debit.balance, identity_id: identityId },
              },
            },
          };
          if (inTransaction) await inTransaction(tx, response);
        },
      },
    );
  } catch (error) {
    await refundDebit(deps, identityId, campaignId, debit.entry.id, 'campaign creation failed');
    throw error;
  }
  return response;
}
