/**
 * What happens after the money moves, or may have: a settlement that outlives the request is answered
 * 202 and finished by the reconciler (never with a fresh 402); money taken for a campaign that can no
 * longer exist is refunded (PAYMENT_004); a lost response is recovered by resending, even when the
 * agent signed afresh under the same Idempotency-Key.
 */
import { decodePaymentResponseHeader } from '@x402/core/http';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiKeys, auditLog, campaigns } from '../../db/schema.ts';
import { jobs } from '../../db/schema-jobs.ts';
import { paymentRefunds, payments, x402Authorizations } from '../../db/schema-payments.ts';
import { markSettled } from '../../payments/x402/settlement.ts';
import type { X402Rail } from '../../payments/x402/x402-rail.ts';
import { PurchaseGone } from '../../src/domain/payments/complete-purchase.ts';
import { campaignsCreate } from '../../src/operations/campaigns/create.ts';
import { isPayable } from '../../src/operations/define-operation.ts';
import { api } from '../helpers/api.ts';
import {
  type PaidServer,
  PRICE_ATOMIC,
  signAuthorization,
  startPaidServer,
  v1Header,
} from '../helpers/paid-server.ts';
import { startTestServer } from '../helpers/test-server.ts';

let paid: PaidServer;
let ip = 0;
beforeAll(async () => {
  paid = await startPaidServer({ X402_SETTLE_TIMEOUT_MS: '1000' });
});
afterAll(() => paid?.close());

const body = { name: 'outcomes', objective_type: 'product_promotion' };
const post = (headers: Record<string, string>, payload: unknown = body) =>
  api(paid.server.url, 'POST', '/campaigns', {
    headers: { ...headers, 'x-forwarded-for': `10.2.0.${++ip}` },
    body: payload,
  });
const rail = () => paid.server.services.payments?.rails[0] as X402Rail;

async function authorizationOf(payer: string) {
  const [row] = await paid.server.services.db
    .select()
    .from(x402Authorizations)
    .where(eq(x402Authorizations.payer, payer));
  return row;
}

/** A paid create sent while the chain mines nothing: answered 202, its settlement still pending. */
async function payWhileNothingIsMined() {
  const payer = await paid.newPayer();
  const header = v1Header(await signAuthorization(payer.account, { to: paid.payTo }));
  await paid.chain.setAutomine(false);
  let pending: Awaited<ReturnType<typeof post>>;
  try {
    pending = await post({ 'x-payment': header });
  } finally {
    await paid.chain.setAutomine(true);
  }
  expect(pending.status, pending.text).toBe(202);
  return { payer, header, pending };
}

describe('a settlement that outlives the request', () => {
  it('answers 202 pending, then the reconciler completes it and a resend returns the campaign', async () => {
    const { payer, header, pending } = await payWhileNothingIsMined();
    expect(pending.body.data.status).toBe('pending_payment');
    const receipt = decodePaymentResponseHeader(pending.headers.get('payment-response') ?? '');
    expect(receipt).toMatchObject({ success: false, errorReason: 'settlement_pending' });
    const row = await authorizationOf(payer.address);
    expect(row).toMatchObject({ state: 'submitted', txHash: receipt.transaction });

    // While the request's lease runs, a resend neither pays again nor gets a new challenge.
    const early = await post({ 'x-payment': header });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('SERVER_016');

    await paid.chain.mine();
    paid.server.advance(10_000); // past the lease
    expect(await rail().reconciler.runOnce()).toBe(1);
    expect((await authorizationOf(payer.address))?.state).toBe('settled');

    const done = await post({ 'x-payment': header });
    expect(done.status, done.text).toBe(201);
    expect(done.body.data).toMatchObject({ id: pending.body.data.id, status: 'active' });
    expect(done.body.meta.payment.transaction).toBe(receipt.transaction);
    expect(done.body.meta.payment.agent_api_key.key).toMatch(/^is_live_/);
    expect(await paid.chain.balanceOf(payer.address)).toBe(10_000_000n - PRICE_ATOMIC);
  });
});

describe('completing one settlement twice at once', () => {
  it('activates the campaign once; both get the stored answer, and a finished row is never activated', async () => {
    const { payer, pending } = await payWhileNothingIsMined();
    await paid.chain.mine();
    const row = await authorizationOf(payer.address);
    if (!row?.txHash) throw new Error('no submitted authorization');
    const db = paid.server.services.db;

    // As when a resend and the reconciler complete the same payment together.
    if (!isPayable(campaignsCreate)) throw new Error('campaigns.create is not payable');
    const operation = campaignsCreate;
    const complete = () => markSettled(rail().deps, operation, row, row.txHash as string, 'req_test');
    const [a, b] = await Promise.all([complete(), complete()]);
    expect(a.status).toBe(201);
    expect(b).toEqual(a);
    expect(await complete()).toEqual(a);
    const id = pending.body.data.id as string;
    expect(await db.select().from(payments).where(eq(payments.authorizationId, row.id))).toHaveLength(1);
    expect(
      await db
        .select()
        .from(jobs)
        .where(eq(jobs.dedupeKey, `campaign.run:${id}`)),
    ).toHaveLength(1);
    const keys = await db
      .select()
      .from(apiKeys)
      .where(eq(apiKeys.agentIdentityId, row.identityId as string));
    expect(keys).toHaveLength(1);
    const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, id));
    expect(campaign?.status).toBe('active');
    const audits = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'settle_payment'), eq(auditLog.resourceId, id)));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      operationId: 'campaigns.create',
      requestId: 'req_test',
      userId: paid.server.services.systemUserId,
      metadata: {
        rail: 'x402',
        transaction: row.txHash,
        amount_atomic: PRICE_ATOMIC.toString(),
        payer: payer.address,
        agent_identity_id: row.identityId,
      },
    });
    expect(audits[0]?.createdAt).toBeInstanceOf(Date);

    // A payment that ended another way (here: marked for a refund) never activates its campaign.
    await db.update(campaigns).set({ status: 'pending_payment' }).where(eq(campaigns.id, id));
    await db
      .update(x402Authorizations)
      .set({ state: 'refund_owed' })
      .where(eq(x402Authorizations.id, row.id));
    await expect(complete()).rejects.toThrow(PurchaseGone);
    const [untouched] = await db.select().from(campaigns).where(eq(campaigns.id, id));
    expect(untouched?.status).toBe('pending_payment');
  });
});

describe('a lost response', () => {
  it('resending with the same Idempotency-Key and a fresh signature returns the first result, charging once', async () => {
    const payer = await paid.newPayer();
    const first = await post({
      'x-payment': v1Header(await signAuthorization(payer.account, { to: paid.payTo })),
      'idempotency-key': 'agent-run-42',
    });
    expect(first.status).toBe(201);
    const retry = await post({
      'x-payment': v1Header(await signAuthorization(payer.account, { to: paid.payTo })),
      'idempotency-key': 'agent-run-42',
    });
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await paid.chain.balanceOf(payer.address)).toBe(10_000_000n - PRICE_ATOMIC);

    const different = await post(
      {
        'x-payment': v1Header(await signAuthorization(payer.account, { to: paid.payTo })),
        'idempotency-key': 'agent-run-42',
      },
      { ...body, name: 'another request' },
    );
    expect(different.status).toBe(409);
  });
});

describe('money moved but the campaign cannot exist', () => {
  it('answers PAYMENT_004, records the payment and a refund owed, and keeps no campaign', async () => {
    const payer = await paid.newPayer();
    const header = v1Header(await signAuthorization(payer.account, { to: paid.payTo }));
    await paid.chain.setAutomine(false);
    const inFlight = post({ 'x-payment': header });
    const row = await vi.waitFor(
      async () => {
        const found = await authorizationOf(payer.address);
        if (found?.state !== 'submitted') throw new Error('not submitted yet');
        return found;
      },
      { timeout: 5_000, interval: 20 },
    );
    // The campaign disappears between settlement and completion.
    await paid.server.services.db.delete(campaigns).where(eq(campaigns.id, row.resourceId as string));
    await paid.chain.setAutomine(true);
    await paid.chain.mine();
    const response = await inFlight;
    expect(response.status, response.text).toBe(500);
    expect(response.body.error.code).toBe('PAYMENT_004');
    expect(response.body.error.message).toContain('refund');

    const db = paid.server.services.db;
    // One payment row: the one the activation wrote with the campaign gone was rolled back with it.
    const ledgerRows = await db.select().from(payments).where(eq(payments.authorizationId, row.id));
    expect(ledgerRows).toHaveLength(1);
    const [ledger] = ledgerRows;
    expect(ledger).toMatchObject({ amountMinor: PRICE_ATOMIC, campaignId: null });
    const [refund] = await db
      .select()
      .from(paymentRefunds)
      .where(eq(paymentRefunds.paymentId, ledger?.id as string));
    expect(refund).toMatchObject({ state: 'owed', amountMinor: PRICE_ATOMIC });
    expect((await authorizationOf(payer.address))?.state).toBe('refund_owed');

    // The payer who resends learns the same, and is not charged again.
    const again = await post({ 'x-payment': header });
    expect(again.status).toBe(500);
    expect(again.body.error.code).toBe('PAYMENT_004');
    expect(await paid.chain.balanceOf(payer.address)).toBe(10_000_000n - PRICE_ATOMIC);
  });
});

describe('with a refund wallet', () => {
  it('sends the USDC back when the campaign cannot exist', async () => {
    const refundWallet = paid.chain.accounts[2];
    if (!refundWallet) throw new Error('no third anvil account');
    await paid.chain.mint(refundWallet.address, 100_000_000n);
    const server = await startTestServer({
      X402_PAY_TO: paid.payTo,
      X402_SETTLER_PRIVATE_KEY: paid.chain.accounts[3]?.privateKey as string,
      X402_REFUND_PRIVATE_KEY: refundWallet.privateKey,
      X402_RPC_URL: paid.chain.rpcUrl,
      X402_SETTLE_TIMEOUT_MS: '5000',
      X402_RECONCILE_INTERVAL_MS: '3600000',
    });
    try {
      const payer = await paid.newPayer();
      const header = v1Header(await signAuthorization(payer.account, { to: paid.payTo }));
      await paid.chain.setAutomine(false);
      const inFlight = api(server.url, 'POST', '/campaigns', { headers: { 'x-payment': header }, body });
      const row = await vi.waitFor(
        async () => {
          const [found] = await server.services.db
            .select()
            .from(x402Authorizations)
            .where(eq(x402Authorizations.payer, payer.address));
          if (found?.state !== 'submitted') throw new Error('not submitted yet');
          return found;
        },
        { timeout: 5_000, interval: 20 },
      );
      await server.services.db.delete(campaigns).where(eq(campaigns.id, row.resourceId as string));
      await paid.chain.setAutomine(true);
      await paid.chain.mine();
      const response = await inFlight;
      expect(response.status).toBe(500);
      expect(response.body.error.code).toBe('PAYMENT_004');
      expect(response.body.error.message).toMatch(/sent back in transaction 0x[0-9a-f]{64}/);
      expect(await paid.chain.balanceOf(payer.address)).toBe(10_000_000n);
      const [after] = await server.services.db
        .select()
        .from(x402Authorizations)
        .where(eq(x402Authorizations.id, row.id));
      expect(after?.state).toBe('refunded');
    } finally {
      await paid.chain.setAutomine(true);
      await server.close();
    }
  });
});
