/**
 * The two shapes of what an MPP credential buys, as the operation's `payment` section declares it:
 * something created before the charge that waits for it (`deferred`: created by the handler, made live
 * after the charge), or something the handler makes once the money moved (a credit pack). Both record
 * the payment and issue the identity's API key with its first payment.
 */

import type { Receipt } from 'mppx';
import type { Db } from '../../db/client.ts';
import {
  agentKeyFor,
  completeDeferredPurchase,
  type ReceivedPayment,
  recordPayment,
} from '../../src/domain/payments/complete-purchase.ts';
import { paymentReceiptSigner, receiptHeader } from '../../src/domain/payments/payment-receipt.ts';
import { agentPrincipal } from '../../src/domain/principal.ts';
import type { ReceiptFacts } from '../../src/domain/receipts/receipt.ts';
import type { PayableOperation } from '../../src/operations/define-operation.ts';
import type { StoredResponse } from '../../src/pipeline/operation-io.ts';
import { runHandler, successResponse } from '../../src/pipeline/run-handler.ts';
import type { ChargedPurchase } from './charge-settlement.ts';
import { type ChargeRow, charges } from './charge-store.ts';
import type { MppDeps } from './mpp-deps.ts';
import { receiptHeaders } from './responses.ts';

const KEY_LABEL = 'agent (MPP)';

function withPayment(
  response: StoredResponse,
  receipt: Receipt.Receipt,
  payment: Record<string, unknown>,
): StoredResponse {
  const body = response.body as Record<string, unknown>;
  const meta = (body.meta as Record<string, unknown> | undefined) ?? {};
  return {
    status: response.status,
    headers: {
      ...response.headers,
      ...receiptHeaders(receipt),
      ...(typeof payment.receipt === 'string' ? receiptHeader(payment.receipt) : {}),
    },
    body: { ...body, meta: { ...meta, payment } },
  };
}

function received(charge: ChargeRow, receipt: Receipt.Receipt, facts: Signed): ReceivedPayment {
  return {
    signReceipt: paymentReceiptSigner(facts.deps.services.env, facts.deps.publicUrl, facts.facts),
    rail: 'mpp',
    identityId: charge.identityId as string,
    amountMinor: BigInt(charge.amountCents),
    currency: 'usd',
    reference: receipt.reference,
  };
}

/** What the signed receipt of a charge states (a settlement unless the caller says otherwise). */
interface Signed {
  deps: MppDeps;
  facts: ReceiptFacts;
}

function receiptFacts(
  deps: MppDeps,
  operation: PayableOperation,
  charge: ChargeRow,
  receipt: Receipt.Receipt,
  resourceId: string | null,
  at: Date,
  kind: ReceiptFacts['kind'] = 'settlement',
): Signed {
  return {
    deps,
    facts: {
      kind,
      rail: 'mpp',
      operation: operation.id,
      identityId: charge.identityId as string,
      amountMinor: charge.amountCents,
      currency: 'usd',
      reference: receipt.reference,
      resourceId,
      at,
    },
  };
}

/** Nothing exists before the charge; afterwards the handler runs with the payment it made. */
function purchaseAfterCharge(deps: MppDeps, operation: PayableOperation, requestId: string): ChargedPurchase {
  return {
    prepare: (reserve) => deps.services.db.transaction(async (tx) => (await reserve(tx)).charge),
    async apply(tx: Db, charge: ChargeRow, receipt: Receipt.Receipt) {
      const identityId = charge.identityId as string;
      const now = deps.services.clock();
      const { id: paymentId, receipt: signed } = await recordPayment(
        tx,
        // What the handler makes once the money moved is a credit pack.
        received(
          charge,
          receipt,
          receiptFacts(deps, operation, charge, receipt, null, now, 'credit_purchase'),
        ),
        null,
        now,
      );
      const run = await runHandler({ ...deps.services, db: tx }, operation, charge.input, {
        principal: agentPrincipal(deps.services.systemUserId, identityId),
        requestId,
        services: deps.services,
        now,
        payment: { rail: 'mpp', reference: receipt.reference, paymentId },
      });
      const agentKey = await agentKeyFor(tx, identityId, {
        systemUserId: deps.services.systemUserId,
        keyLabel: KEY_LABEL,
        now,
      });
      return withPayment(successResponse(operation, run.result), receipt, {
        rail: 'mpp',
        reference: receipt.reference,
        identity_id: identityId,
        payment_id: paymentId,
        receipt: signed,
        ...(agentKey ? { agent_api_key: agentKey } : {}),
      });
    },
    // Nothing was created before the charge.
    async undo() {},
  };
}

/** Created before the charge by the handler, waiting for it; made live once the charge went through. */
function deferredPurchase(deps: MppDeps, operation: PayableOperation, call: PurchaseCall): ChargedPurchase {
  const { input, requestId, now } = call;
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
              principal: agentPrincipal(deps.services.systemUserId, reserved.identityId),
              payment: { rail: 'mpp' },
            };
          },
          after: async (tx, run) => {
            const reserved = charge as ChargeRow;
            const resourceId = (run.result.data as { id: string }).id;
            charge = { ...reserved, resourceId };
            await charges.update(tx, reserved.id, { resourceId });
          },
        },
      );
      return charge as ChargeRow;
    },
    async apply(tx: Db, charge: ChargeRow, receipt: Receipt.Receipt) {
      const now = deps.services.clock();
      const resourceId = charge.resourceId as string;
      const {
        data,
        agentKey,
        paymentId,
        receipt: signed,
      } = await completeDeferredPurchase(
        tx,
        operation,
        resourceId,
        received(charge, receipt, receiptFacts(deps, operation, charge, receipt, resourceId, now)),
        { systemUserId: deps.services.systemUserId, keyLabel: KEY_LABEL, now },
      );
      return withPayment(
        { status: operation.successStatus ?? 200, headers: {}, body: { success: true, data } },
        receipt,
        {
          rail: 'mpp',
          reference: receipt.reference,
          identity_id: charge.identityId,
          payment_id: paymentId,
          receipt: signed,
          ...(agentKey ? { agent_api_key: agentKey } : {}),
        },
      );
    },
    async undo(tx: Db, charge: ChargeRow) {
      if (charge.resourceId) await operation.payment.deferred?.undo(tx, charge.resourceId);
    },
  };
}

/** The paid call a purchase belongs to (or, for the reconciler, the one its charge recorded). */
export interface PurchaseCall {
  input: unknown;
  requestId: string;
  now: Date;
}

/** What a charge for `operation` buys. */
export function purchaseOf(deps: MppDeps, operation: PayableOperation, call: PurchaseCall): ChargedPurchase {
  return operation.payment.deferred
    ? deferredPurchase(deps, operation, call)
    : purchaseAfterCharge(deps, operation, call.requestId);
}
