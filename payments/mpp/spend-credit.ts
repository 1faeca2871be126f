/**
 * Paying with credits: the debit is booked first (the balance can never go below zero, so of N parallel
 * requests exactly `balance` get through), then the handler creates what is bought under the id the
 * debit names and, when it waits for a payment, it is made live in the same transaction; if that fails
 * the credits come back as a refund entry, never an edit.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { InsufficientCredits, postEntry } from '../../src/domain/credits/ledger.ts';
import {
  campaignDebitReference,
  campaignRefundReference,
} from '../../src/domain/payments/refund-campaign.ts';
import { agentPrincipal } from '../../src/domain/principal.ts';
import { RECEIPT_HEADER, signReceipt } from '../../src/domain/receipts/receipt.ts';
import type { OperationResponse, StoredResponse } from '../../src/pipeline/operation-io.ts';
import { runHandler } from '../../src/pipeline/run-handler.ts';
import type { PaidCall } from '../gateway/rail.ts';
import type { MppDeps } from './mpp-deps.ts';

/** Ledger references of the debit paying for a resource and of its refund; the credit_entries column is campaign_id. */
const debitReference = campaignDebitReference;
const refundReference = campaignRefundReference;

/** Gives debited credits back (idempotent: one refund per debit). */
export async function refundDebit(
  deps: MppDeps,
  debit: { identityId: string; resourceId: string; entryId: string; credits: number },
  reason: string,
): Promise<void> {
  await postEntry(deps.services.db, {
    identityId: debit.identityId,
    kind: 'refund',
    credits: debit.credits,
    reference: refundReference(debit.resourceId),
    campaignId: debit.resourceId,
    reversesEntryId: debit.entryId,
    metadata: { reason },
    at: deps.services.clock(),
  });
}

/**
 * Undefined when the identity has too few credits left. `inTransaction` runs in the handler's
 * transaction with the final response (an Idempotency-Key stored with what was bought).
 */
export async function spendCredit(
  deps: MppDeps,
  call: PaidCall,
  identityId: string,
  inTransaction?: (tx: Db, response: StoredResponse) => Promise<void>,
): Promise<OperationResponse | undefined> {
  const { payment } = call.operation;
  const credits = payment.credits ?? 0;
  const resourceId = randomUUID();
  let debit: Awaited<ReturnType<typeof postEntry>>;
  try {
    // One statement, atomic on its own: no transaction around it.
    debit = await postEntry(deps.services.db, {
      identityId,
      kind: 'debit',
      credits: -credits,
      reference: debitReference(resourceId),
      campaignId: resourceId,
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
        principal: agentPrincipal(deps.services.systemUserId, identityId),
        requestId: call.request.requestId,
        services: deps.services,
        now: call.now,
        payment: { rail: 'mpp', reference: debitReference(resourceId) },
        newId: resourceId,
      },
      {
        after: async (tx, run) => {
          // Paid in full already: what waits for its payment goes live in the same transaction.
          const live = payment.deferred
            ? await payment.deferred.activate(tx, resourceId, call.now)
            : undefined;
          const body = run.response.body as Record<string, unknown>;
          const receipt = await signReceipt(deps.services.env, deps.publicUrl, {
            kind: 'credit_spend',
            rail: 'mpp',
            operation: call.operation.id,
            identityId,
            amountMinor: credits,
            currency: 'credits',
            reference: debitReference(resourceId),
            resourceId,
            at: call.now,
          });
          response = {
            status: run.response.status,
            headers: { ...run.response.headers, [RECEIPT_HEADER]: receipt },
            body: {
              ...body,
              ...(live === undefined ? {} : { data: live }),
              meta: {
                payment: {
                  rail: 'mpp',
                  credits_spent: credits,
                  balance: debit.balance,
                  identity_id: identityId,
                  receipt,
                },
              },
            },
          };
          if (inTransaction) await inTransaction(tx, response);
        },
      },
    );
  } catch (error) {
    await refundDebit(
      deps,
      { identityId, resourceId, entryId: debit.entry.id, credits },
      'creating what the credits paid for failed',
    );
    throw error;
  }
  return response;
}
