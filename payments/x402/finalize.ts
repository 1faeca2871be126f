/**
 * Completing a settled payment, in one transaction: the campaign becomes active, the payment enters the
 * ledger, the campaign's execution is enqueued, the identity gets its API key on its first payment, and
 * the response is stored (sealed) for replays. Safe to run again: a settled row answers its stored
 * response.
 */
import type { SettleResponse } from '@x402/core/types';
import { eq } from 'drizzle-orm';
import { x402Authorizations } from '../../db/schema.ts';
import { together } from '../../db/together.ts';
import type { Operation } from '../../src/operations/define-operation.ts';
import { writeAudit } from '../../src/pipeline/audit.ts';
import {
  openStoredResponse,
  type StoredResponse,
  sealStoredResponse,
} from '../../src/pipeline/idempotency.ts';
import { activatePaidCampaign, CampaignGoneError } from '../activate-campaign.ts';
import { formatUsdc } from '../pricing.ts';
import { settledResponse } from './responses.ts';
import { agentPrincipal, type X402Deps } from './x402-deps.ts';

export async function finalize(
  deps: X402Deps,
  operation: Operation,
  authorizationId: string,
  transaction: string,
  requestId: string,
): Promise<StoredResponse> {
  const { services } = deps;
  let identityId: string | null = null;
  const response = await services.db.transaction(async (tx) => {
    const now = services.clock();
    const [row] = await tx
      .select()
      .from(x402Authorizations)
      .where(eq(x402Authorizations.id, authorizationId))
      .for('update');
    if (!row) throw new Error(`authorization ${authorizationId} vanished`);
    if (row.state === 'settled') return openStoredResponse(services.sealer, row);
    if (row.state !== 'reserved' && row.state !== 'submitted') {
      throw new CampaignGoneError(`authorization is ${row.state}`);
    }
    if (!row.campaignId || !row.identityId) throw new CampaignGoneError('no campaign was created');
    identityId = row.identityId;
    const { campaign, agentKey } = await activatePaidCampaign(
      tx,
      row.campaignId,
      {
        rail: 'x402',
        identityId: row.identityId,
        amountMinor: row.amountAtomic,
        currency: 'USDC',
        reference: transaction,
        payer: row.payer,
        network: row.network,
        asset: row.asset,
        authorizationId: row.id,
      },
      {
        systemUserId: services.systemUserId,
        keyLabel: `agent ${row.payer}`,
        now,
        keyHeld: deps.known.hasKey(row.identityId),
      },
    );

    const settle: SettleResponse = {
      success: true,
      transaction,
      network: row.network as SettleResponse['network'],
      payer: row.payer,
    };
    const response = settledResponse(operation, campaign, settle, {
      rail: 'x402',
      status: 'settled',
      transaction,
      network: row.network,
      payer: row.payer,
      amount: formatUsdc(row.amountAtomic),
      identity_id: row.identityId,
      ...(agentKey ? { agent_api_key: agentKey } : {}),
    });
    await together(
      tx
        .update(x402Authorizations)
        .set({
          state: 'settled',
          txHash: transaction,
          responseStatus: response.status,
          responseSealed: sealStoredResponse(services.sealer, response),
          updatedAt: now,
        })
        .where(eq(x402Authorizations.id, row.id)),
      writeAudit(tx, {
        action: 'settle_payment',
        operationId: operation.id,
        requestId,
        principal: agentPrincipal(deps, row.identityId),
        resourceId: campaign.id,
        metadata: { rail: 'x402', transaction, amount_atomic: row.amountAtomic.toString(), payer: row.payer },
        at: now,
      }),
    );
    return response;
  });
  // Committed: the identity holds its agent key now (issued here or before).
  if (identityId) deps.known.rememberKey(identityId);
  return response;
}
