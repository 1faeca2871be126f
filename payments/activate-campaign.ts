/**
 * The end of every paid campaign creation, whatever the rail: the campaign waiting for its payment
 * becomes active, the payment enters the append-only ledger, the campaign's run is enqueued, and the
 * identity gets its API key with its first payment. Runs inside the caller's transaction.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { campaigns, jobs, payments } from '../db/schema.ts';
import { together } from '../db/together.ts';
import type { ApiKeyWithSecret } from '../src/domain/api-keys/api-key-view.ts';
import { type Campaign, toCampaign } from '../src/domain/campaigns/campaign-view.ts';
import { issueAgentKey } from './identities.ts';

/** The pending campaign is gone: the payment cannot buy it any more and must be refunded. */
export class CampaignGoneError extends Error {}

export interface ReceivedPayment {
  rail: 'x402' | 'mpp';
  identityId: string;
  amountMinor: bigint;
  currency: 'USDC' | 'usd';
  /** The money movement: transaction hash or PaymentIntent id. */
  reference: string;
  payer?: string | null;
  network?: string | null;
  asset?: string | null;
  authorizationId?: string | null;
}

export async function recordPayment(
  tx: Db,
  payment: ReceivedPayment,
  campaignId: string | null,
  now: Date,
): Promise<string> {
  const [row] = await tx
    .insert(payments)
    .values({
      rail: payment.rail,
      identityId: payment.identityId,
      campaignId,
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
  return row.id;
}

export async function enqueueCampaignRun(tx: Db, campaignId: string): Promise<void> {
  await tx
    .insert(jobs)
    .values({
      kind: 'campaign.run',
      payload: { campaign_id: campaignId },
      dedupeKey: `campaign.run:${campaignId}`,
    })
    .onConflictDoNothing();
}

export async function activatePaidCampaign(
  tx: Db,
  campaignId: string,
  payment: ReceivedPayment,
  options: {
    systemUserId: string;
    keyLabel: string;
    now: Date;
    /** The identity is known to hold its agent key already: no key is issued, nothing is asked. */
    keyHeld?: boolean;
  },
): Promise<{ campaign: Campaign; paymentId: string; agentKey: ApiKeyWithSecret | undefined }> {
  const [row] = await tx
    .update(campaigns)
    .set({ status: 'active', updatedAt: options.now })
    .where(and(eq(campaigns.id, campaignId), eq(campaigns.status, 'pending_payment')))
    .returning();
  if (!row) throw new CampaignGoneError('the campaign waiting for this payment no longer exists');
  const [paymentId, , agentKey] = await together(
    recordPayment(tx, payment, row.id, options.now),
    enqueueCampaignRun(tx, row.id),
    options.keyHeld
      ? Promise.resolve(undefined)
      : issueAgentKey(tx, {
          identityId: payment.identityId,
          systemUserId: options.systemUserId,
          label: options.keyLabel,
          now: options.now,
        }),
  );
  return { campaign: toCampaign(row), paymentId, agentKey };
}
