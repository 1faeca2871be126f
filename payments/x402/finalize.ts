/**
 * Completing a settled payment, in one transaction: the campaign becomes active, the payment enters the
 * ledger, the campaign's execution is enqueued, the identity gets its API key on its first payment, and
 * the response is stored (sealed) for replays. Safe to run again: a settled row answers its stored
 * response.
 */
import type { SettleResponse } from '@x402/core/types';
import { eq, sql } from 'drizzle-orm';
import { queryRows } from '../../db/client.ts';
import { x402Authorizations } from '../../db/schema-payments.ts';
import { activatePaidCampaign, CampaignGoneError } from '../../src/domain/campaigns/activate-campaign.ts';
import { formatUsdc } from '../../src/domain/pricing.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import { auditFrom } from '../../src/pipeline/audit.ts';
import { openStoredResponse, sealStoredResponse } from '../../src/pipeline/idempotency.ts';
import type { StoredResponse } from '../../src/pipeline/operation-io.ts';
import type { AuthorizationRow } from './authorization-store.ts';
import { settledResponse } from './responses.ts';
import { agentPrincipal, type X402Deps } from './x402-deps.ts';

export async function finalize(
  deps: X402Deps,
  operation: Operation,
  reserved: AuthorizationRow,
  transaction: string,
  requestId: string,
): Promise<StoredResponse> {
  const { services } = deps;
  const { campaignId, identityId } = reserved;
  if (!campaignId || !identityId) throw new CampaignGoneError('no campaign was created');
  const response = await services.db.transaction(async (tx) => {
    const now = services.clock();
    let activation: Awaited<ReturnType<typeof activatePaidCampaign>>;
    try {
      // What the reservation wrote about the payment never changes; its state does, so the activation
      // itself locks the row and proceeds only while the payment is still being completed.
      activation = await activatePaidCampaign(
        tx,
        campaignId,
        {
          rail: 'x402',
          identityId,
          amountMinor: reserved.amountAtomic,
          currency: 'USDC',
          reference: transaction,
          payer: reserved.payer,
          network: reserved.network,
          asset: reserved.asset,
          authorizationId: reserved.id,
        },
        {
          systemUserId: services.systemUserId,
          keyLabel: `agent ${reserved.payer}`,
          now,
          keyHeld: deps.known.hasKey(identityId),
          guard: sql`select id from ${x402Authorizations}
            where id = ${reserved.id}::uuid and state in ('reserved', 'submitted') for update`,
        },
      );
    } catch (error) {
      if (!(error instanceof CampaignGoneError)) throw error;
      // Nothing was activated: completed meanwhile by another request or the reconciler (its answer is
      // this one's), ended otherwise, or the campaign is really gone.
      const [row] = await tx
        .select()
        .from(x402Authorizations)
        .where(eq(x402Authorizations.id, reserved.id))
        .for('update');
      if (!row) throw new Error(`authorization ${reserved.id} vanished`);
      if (row.state === 'settled') return openStoredResponse(services.sealer, row);
      if (row.state !== 'reserved' && row.state !== 'submitted') {
        throw new CampaignGoneError(`authorization is ${row.state}`);
      }
      throw error;
    }
    const { campaign, agentKey } = activation;

    const settle: SettleResponse = {
      success: true,
      transaction,
      network: reserved.network as SettleResponse['network'],
      payer: reserved.payer,
    };
    const response = settledResponse(operation, campaign, settle, {
      rail: 'x402',
      status: 'settled',
      transaction,
      network: reserved.network,
      payer: reserved.payer,
      amount: formatUsdc(reserved.amountAtomic),
      identity_id: identityId,
      ...(agentKey ? { agent_api_key: agentKey } : {}),
    });
    // The row settled and its audit entry, in one statement.
    await queryRows(
      tx,
      sql`with settled as (
        update ${x402Authorizations} set state = 'settled', tx_hash = ${transaction},
          response_status = ${response.status},
          response_sealed = ${sealStoredResponse(services.sealer, response)},
          updated_at = ${now.toISOString()}::timestamptz
        where id = ${reserved.id}::uuid
        returning id
      ) ${auditFrom('settled', {
        action: 'settle_payment',
        operationId: operation.id,
        requestId,
        principal: agentPrincipal(deps, identityId),
        resourceId: campaign.id,
        metadata: {
          rail: 'x402',
          transaction,
          amount_atomic: reserved.amountAtomic.toString(),
          payer: reserved.payer,
        },
        at: now,
      })}`,
    );
    return response;
  });
  // Committed: the identity holds its agent key now (issued here or before).
  deps.known.rememberKey(identityId);
  return response;
}
