/**
 * The two things an MPP credential buys: a credit pack (credits.purchase: the handler books the credits
 * after the charge) and a campaign paid directly (campaigns.create: the campaign is created inactive
 * before the charge and activated after it). Both issue the identity's API key with its first payment.
 */

import { and, eq } from 'drizzle-orm';
import type { Receipt } from 'mppx';
import type { Db } from '../../db/client.ts';
import { campaigns } from '../../db/schema.ts';
import { issueAgentKey } from '../../src/domain/agents/identities.ts';
import { activatePaidCampaign, recordPayment } from '../../src/domain/campaigns/activate-campaign.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import type { StoredResponse } from '../../src/pipeline/operation-io.ts';
import { runHandler, successResponse } from '../../src/pipeline/run-handler.ts';
import { type ChargeRow, updateCharge } from './charge-store.ts';
import type { ChargedPurchase } from './charged-call.ts';
import type { MppDeps } from './mpp-deps.ts';
import { receiptHeaders } from './responses.ts';
import { agentPrincipalOf } from './spend-credit.ts';

function withPayment(
  response: StoredResponse,
  receipt: Receipt.Receipt,
  payment: Record<string, unknown>,
): StoredResponse {
  const body = response.body as Record<string, unknown>;
  const meta = (body.meta as Record<string, unknown> | undefined) ?? {};
  return {
    status: response.status,
    headers: { ...response.headers, ...receiptHeaders(receipt) },
    body: { ...body, meta: { ...meta, payment } },
  };
}

/** credits.purchase: nothing exists before the charge; afterwards the handler books the pack. */
export function packPurchase(deps: MppDeps, operation: Operation, requestId: string): ChargedPurchase {
  return {
    prepare: (reserve) => deps.services.db.transaction(async (tx) => (await reserve(tx)).charge),
    async apply(tx: Db, charge: ChargeRow, receipt: Receipt.Receipt) {
      const identityId = charge.identityId as string;
      const now = deps.services.clock();
      const paymentId = await recordPayment(
        tx,
        {
          rail: 'mpp',
          identityId,
          amountMinor: BigInt(charge.amountCents),
          currency: 'usd',
          reference: receipt.reference,
        },
        null,
        now,
      );
      const run = await runHandler({ ...deps.services, db: tx }, operation, charge.input, {
        principal: agentPrincipalOf(deps, identityId),
        requestId,
        services: deps.services,
        now,
        payment: { rail: 'mpp', settlesAfterCommit: false, reference: receipt.reference, paymentId },
      });
      const agentKey = await issueAgentKey(tx, {
        identityId,
        systemUserId: deps.services.systemUserId,
        label: 'agent (MPP)',
        now,
      });
      return withPayment(successResponse(operation, run.result), receipt, {
        rail: 'mpp',
        reference: receipt.reference,
        identity_id: identityId,
        ...(agentKey ? { agent_api_key: agentKey } : {}),
      });
    },
    // Nothing was created before the charge.
    async undo() {},
  };
}

/** campaigns.create paid directly: the campaign waits inactive for its charge. */
export function campaignPurchase(
  deps: MppDeps,
  operation: Operation,
  input: unknown,
  requestId: string,
  now: Date,
): ChargedPurchase {
  return {
    async prepare(reserve) {
      let charge: ChargeRow | undefined;
      await runHandler(
        deps.services,
        operation,
        input,
        { principal: { kind: 'anonymous' }, requestId, services: deps.services, now },
        {
          before: async (tx) => {
            const reserved = await reserve(tx);
            charge = reserved.charge;
            return {
              principal: agentPrincipalOf(deps, reserved.identityId),
              payment: { rail: 'mpp', settlesAfterCommit: true },
            };
          },
          after: async (tx, run) => {
            const campaignId = (run.result.data as { id: string }).id;
            charge = { ...(charge as ChargeRow), campaignId };
            await updateCharge(tx, charge.id, { campaignId });
          },
        },
      );
      return charge as ChargeRow;
    },
    async apply(tx: Db, charge: ChargeRow, receipt: Receipt.Receipt) {
      const identityId = charge.identityId as string;
      const at = deps.services.clock();
      const { campaign, agentKey } = await activatePaidCampaign(
        tx,
        charge.campaignId as string,
        {
          rail: 'mpp',
          identityId,
          amountMinor: BigInt(charge.amountCents),
          currency: 'usd',
          reference: receipt.reference,
        },
        { systemUserId: deps.services.systemUserId, keyLabel: 'agent (MPP)', now: at },
      );
      return withPayment(
        { status: operation.successStatus ?? 200, headers: {}, body: { success: true, data: campaign } },
        receipt,
        {
          rail: 'mpp',
          reference: receipt.reference,
          identity_id: identityId,
          ...(agentKey ? { agent_api_key: agentKey } : {}),
        },
      );
    },
    async undo(tx: Db, charge: ChargeRow) {
      if (!charge.campaignId) return;
      await tx
        .delete(campaigns)
        .where(and(eq(campaigns.id, charge.campaignId), eq(campaigns.status, 'pending_payment')));
    },
  };
}
