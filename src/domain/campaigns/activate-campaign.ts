/**
 * The end of every paid campaign creation, whatever the rail: the campaign waiting for its payment
 * becomes active, the payment enters the append-only ledger, the campaign's run is enqueued, and the
 * identity gets its API key with its first payment. Runs inside the caller's transaction.
 */
import { type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../../db/client.ts';
import { rowOf } from '../../../db/row-of.ts';
import { campaigns } from '../../../db/schema.ts';
import { jobs } from '../../../db/schema-jobs.ts';
import { payments } from '../../../db/schema-payments.ts';
import { issueAgentKey } from '../agents/identities.ts';
import type { ApiKeyWithSecret } from '../api-keys/api-key-view.ts';
import { type Campaign, toCampaign } from './campaign-view.ts';

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
    /**
     * A query (e.g. the payment's row, FOR UPDATE) that must return a row for the campaign to be
     * activated, run in the same statement: without one, nothing happens (CampaignGoneError).
     */
    guard?: SQL;
  },
): Promise<{ campaign: Campaign; paymentId: string; agentKey: ApiKeyWithSecret | undefined }> {
  // One statement: the campaign waiting for this payment becomes active, the payment is recorded and the
  // campaign's run queued, all from the row the update returns (nothing if the campaign is gone).
  const at = options.now.toISOString();
  const { guard } = options;
  const [raw] = await queryRows<Record<string, unknown>>(
    tx,
    sql`with ${guard ? sql`guard as (${guard}), ` : sql``}activated as (
      update ${campaigns} set status = 'active', updated_at = ${at}::timestamptz
      where id = ${campaignId}::uuid and status = 'pending_payment'${guard ? sql` and exists (select 1 from guard)` : sql``}
      returning *
    ), paid as (
      insert into ${payments}
        (rail, identity_id, campaign_id, amount_minor, currency, network, asset, payer, reference, authorization_id, created_at)
      select ${payment.rail}, ${payment.identityId}::uuid, activated.id, ${payment.amountMinor.toString()}::bigint,
        ${payment.currency}, ${payment.network ?? null}, ${payment.asset ?? null}, ${payment.payer ?? null},
        ${payment.reference}, ${payment.authorizationId ?? null}::uuid, ${at}::timestamptz
      from activated
      returning id
    ), queued as (
      insert into ${jobs} (kind, payload, dedupe_key)
      select 'campaign.run', jsonb_build_object('campaign_id', activated.id), 'campaign.run:' || activated.id
      from activated
      on conflict do nothing
    )
    select activated.*, (select id from paid) as paid_id from activated`,
  );
  if (!raw) throw new CampaignGoneError('the campaign waiting for this payment no longer exists');
  const row = rowOf(campaigns, raw);
  const paymentId = String(raw.paid_id);
  const agentKey = options.keyHeld
    ? undefined
    : await issueAgentKey(tx, {
        identityId: payment.identityId,
        systemUserId: options.systemUserId,
        label: options.keyLabel,
        now: options.now,
      });
  return { campaign: toCampaign(row), paymentId, agentKey };
}
