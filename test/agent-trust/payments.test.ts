/**
 * Payment status: a payment read by its agent key, by the payment proof alone, by the operator's admin
 * key, and by nobody else; a 202 pending answer's Location followed from settling to settled; a refund
 * recorded for a paid campaign shows as refunded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { X402Rail } from '../../payments/x402/x402-rail.ts';
import { refundCampaign } from '../../src/domain/payments/refund-campaign.ts';
import { api, createKey } from '../helpers/api.ts';
import {
  type PaidServer,
  PRICE_ATOMIC,
  signAuthorization,
  startPaidServer,
  v1Header,
} from '../helpers/paid-server.ts';

const body = { name: 'status', objective_type: 'product_promotion', outreach_channels: ['email'] };

let paid: PaidServer;
let ip = 0;
beforeAll(async () => {
  paid = await startPaidServer({ X402_SETTLE_TIMEOUT_MS: '1000' });
});
afterAll(() => paid?.close());

const call = (
  method: string,
  path: string,
  options: { key?: string; headers?: Record<string, string>; body?: unknown } = {},
) =>
  api(paid.server.url, method, path, {
    ...options,
    headers: { ...options.headers, 'x-forwarded-for': `10.7.0.${++ip}` },
  });

async function payOnce() {
  const payer = await paid.newPayer();
  const header = v1Header(await signAuthorization(payer.account, { to: paid.payTo }));
  const created = await call('POST', '/campaigns', { headers: { 'x-payment': header }, body });
  expect(created.status, created.text).toBe(201);
  return { payer, header, created, key: created.body.meta.payment.agent_api_key.key as string };
}

describe('payments.get', () => {
  it('tells the agent its settled payment: rail, amount, transaction, campaign, receipt', async () => {
    const { created, key, payer } = await payOnce();
    const id = created.body.meta.payment.payment_id;
    const response = await call('GET', `/payments/${id}`, { key });
    expect(response.status, response.text).toBe(200);
    expect(response.body.data).toMatchObject({
      id,
      rail: 'x402',
      status: 'settled',
      amount_minor: PRICE_ATOMIC.toString(),
      currency: 'USDC',
      network: 'eip155:8453',
      payer: payer.address,
      reference: created.body.meta.payment.transaction,
      campaign_id: created.body.data.id,
      identity_id: created.body.meta.payment.identity_id,
      receipt: created.body.meta.payment.receipt,
      refund: null,
    });
  });

  it('answers the payer presenting the same payment proof, without a key', async () => {
    const { created, header } = await payOnce();
    const id = created.body.meta.payment.payment_id;
    const response = await call('GET', `/payments/${id}`, { headers: { 'x-payment': header } });
    expect(response.status, response.text).toBe(200);
    expect(response.body.data.id).toBe(id);
    const unknown = v1Header(await signAuthorization((await paid.newPayer()).account, { to: paid.payTo }));
    const refused = await call('GET', `/payments/${id}`, { headers: { 'x-payment': unknown } });
    expect(refused.status).toBe(401);
  });

  it("hides another agent's payment and shows every payment to the operator", async () => {
    const first = await payOnce();
    const second = await payOnce();
    const id = first.created.body.meta.payment.payment_id;
    const foreign = await call('GET', `/payments/${id}`, { key: second.key });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('SERVER_003');
    const operator = await call('GET', `/payments/${id}`, { key: paid.server.adminKey });
    expect(operator.status).toBe(200);
    const reader = await createKey(paid.server.url, paid.server.adminKey, ['read']);
    expect((await call('GET', `/payments/${id}`, { key: reader.key })).status).toBe(404);

    const own = await call('GET', '/payments', { key: second.key });
    expect(own.body.data.map((p: { id: string }) => p.id)).toEqual([
      second.created.body.meta.payment.payment_id,
    ]);
    const all = await call('GET', '/payments?limit=100', { key: paid.server.adminKey });
    const ids = all.body.data.map((p: { id: string }) => p.id);
    expect(ids).toContain(id);
    expect(ids).toContain(second.created.body.meta.payment.payment_id);
    expect((await call('GET', '/payments', { key: reader.key })).body.data).toEqual([]);
  });

  it('pages the list newest first with a cursor', async () => {
    const first = await call('GET', '/payments?limit=1', { key: paid.server.adminKey });
    expect(first.body.data).toHaveLength(1);
    expect(first.body.meta.pagination.has_more).toBe(true);
    const next = await call('GET', `/payments?limit=1&cursor=${first.body.meta.pagination.next_cursor}`, {
      key: paid.server.adminKey,
    });
    expect(next.body.data[0].id).not.toBe(first.body.data[0].id);
    expect(Date.parse(next.body.data[0].created_at)).toBeLessThanOrEqual(
      Date.parse(first.body.data[0].created_at),
    );
  });

  it('shows a refund recorded for the payment as refunded', async () => {
    const { created, key } = await payOnce();
    await paid.server.services.db.transaction((tx) =>
      refundCampaign(tx, created.body.data.id, 'no contact could be found', new Date()),
    );
    const response = await call('GET', `/payments/${created.body.meta.payment.payment_id}`, { key });
    expect(response.body.data.status).toBe('refunded');
    expect(response.body.data.refund).toMatchObject({
      state: 'owed',
      amount_minor: PRICE_ATOMIC.toString(),
      currency: 'USDC',
      reason: 'no contact could be found',
    });
  });
});

describe('202 pending_payment', () => {
  it('carries Location: /payments/:id, which tells settling and then settled', async () => {
    const payer = await paid.newPayer();
    const header = v1Header(await signAuthorization(payer.account, { to: paid.payTo }));
    await paid.chain.setAutomine(false);
    let pending: Awaited<ReturnType<typeof call>>;
    try {
      pending = await call('POST', '/campaigns', { headers: { 'x-payment': header }, body });
    } finally {
      await paid.chain.setAutomine(true);
    }
    expect(pending.status, pending.text).toBe(202);
    const location = pending.headers.get('location') ?? '';
    expect(location).toMatch(/^\/payments\/[0-9a-f-]{36}$/);
    expect(location).toBe(`/payments/${pending.body.meta.payment.payment_id}`);

    const settling = await call('GET', location, { headers: { 'x-payment': header } });
    expect(settling.status, settling.text).toBe(200);
    expect(settling.body.data).toMatchObject({ status: 'settling', rail: 'x402', payer: payer.address });
    expect(settling.body.data.reference).toMatch(/^0x/);

    await paid.chain.mine();
    paid.server.advance(10_000);
    const rail = paid.server.services.payments?.rails[0] as X402Rail;
    // The refund owed above is one of its rows too.
    expect(await rail.reconciler.runOnce()).toBeGreaterThanOrEqual(1);
    const settled = await call('GET', location, { headers: { 'x-payment': header } });
    expect(settled.body.data).toMatchObject({
      status: 'settled',
      reference: settling.body.data.reference,
      campaign_id: pending.body.data.id,
    });
    expect(settled.body.data.receipt).toMatch(/^ey/);
  });
});
