/**
 * The end of every payment that bought something, whatever the rail: what waited for the payment is
 * made live by the operation's own hook, the payment enters the append-only payments table, and the
 * paying identity gets its API key with its first payment. Runs inside the caller's transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../../db/client.ts';
import { payments } from '../../../db/schema-payments.ts';
import { together } from '../../../db/together.ts';
import type { Operation } from '../../operations/define-operation.ts';
import { issueAgentKey } from '../agents/identities.ts';
import type { ApiKeyWithSecret } from '../api-keys/api-key-view.ts';

/** What the payment was to buy no longer waits for it: the money must go back. */
export class PurchaseGone extends Error {}

export interface ReceivedPayment {
  rail: string;
  identityId: string;
  /** Minor units of `currency` (USDC atomic units, cents). */
  amountMinor: bigint;
  currency: string;
  /** The money movement: a transaction hash, a PaymentIntent id. */
  reference: string;
  payer?: string | null;
  network?: string | null;
  asset?: string | null;
  authorizationId?: string | null;
  /** Signs the payment's receipt, given the id the row is to take (stored with the row). */
  signReceipt?: (paymentId: string) => Promise<string>;
}

export async function recordPayment(
  tx: Db,
  payment: ReceivedPayment,
  resourceId: string | null,
  now: Date,
): Promise<{ id: string; receipt: string | null }> {
  // The row is append-only: its id is chosen here so the receipt naming it is written with it.
  const id = randomUUID();
  const receipt = payment.signReceipt ? await payment.signReceipt(id) : null;
  const [row] = await tx
    .insert(payments)
    .values({
      id,
      receipt,
      rail: payment.rail,
      identityId: payment.identityId,
      campaignId: resourceId,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      network: payment.network ?? null,
      asset: payment.asset ?? null,
      payer: payment.payer ?? null,
      reference: payment.reference,
      authorizationId: payment.authorizationId ?? null,
      createdAt: now,
    })
    .returning({ id: payments.id });
  if (!row) throw new Error('payment not recorded');
  return { id: row.id, receipt };
}

/** The identity's API key, issued with its first payment (undefined when it has one). */
export function agentKeyFor(
  tx: Db,
  identityId: string,
  options: { systemUserId: string; keyLabel: string; now: Date; keyHeld?: boolean },
): Promise<ApiKeyWithSecret | undefined> {
  if (options.keyHeld) return Promise.resolve(undefined);
  return issueAgentKey(tx, {
    identityId,
    systemUserId: options.systemUserId,
    label: options.keyLabel,
    now: options.now,
  });
}

/**
 * Completes a deferred purchase: the resource goes live, the payment is recorded against it, the agent
 * key issued. Throws PurchaseGone when the resource no longer waits for its payment: the caller's
 * transaction then rolls back, and the payment row and key written meanwhile with it.
 */
export async function completeDeferredPurchase(
  tx: Db,
  operation: Operation,
  resourceId: string,
  payment: ReceivedPayment,
  options: { systemUserId: string; keyLabel: string; now: Date; keyHeld?: boolean },
): Promise<{
  data: unknown;
  paymentId: string;
  receipt: string | null;
  agentKey: ApiKeyWithSecret | undefined;
}> {
  const deferred = operation.payment?.deferred;
  if (!deferred) throw new Error(`${operation.id} buys nothing that waits for its payment`);
  // Independent statements of one transaction, sent together: the driver pipelines them on its connection
  // (the receipt is signed while the activation's first statement is answered).
  const [data, recorded, agentKey] = await together(
    deferred.activate(tx, resourceId, options.now),
    recordPayment(tx, payment, resourceId, options.now),
    agentKeyFor(tx, payment.identityId, options),
  );
  if (data === undefined)
    throw new PurchaseGone(`what ${operation.id} created no longer waits for this payment`);
  return { data, paymentId: recorded.id, receipt: recorded.receipt, agentKey };
}
