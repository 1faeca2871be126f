/**
 * The failure mode of the reference x402 flow, tried on iris: one authorization fired in parallel must
 * run the handler once and move money once; distinct payers in parallel all succeed (the settler's
 * nonces never collide).
 */
import { count, eq, inArray } from 'drizzle-orm';
import { createWalletClient, http } from 'viem';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { payments, x402Authorizations } from '../../db/schema-payments.ts';
import { api } from '../helpers/api.ts';
import {
  type PaidServer,
  PRICE_ATOMIC,
  signAuthorization,
  startPaidServer,
  v1Header,
} from '../helpers/paid-server.ts';

let paid: PaidServer;
beforeAll(async () => {
  paid = await startPaidServer();
});
afterAll(() => paid?.close());

const create = (header: string, name: string, ip: string) =>
  api(paid.server.url, 'POST', '/campaigns', {
    // Distinct client addresses (trusted from loopback) keep the per-caller limits out of the way.
    headers: { 'x-payment': header, 'x-forwarded-for': ip },
    body: { name, objective_type: 'product_promotion' },
  });

describe('x402 under concurrency', () => {
  it('20 parallel submits of one authorization: one campaign, one transfer, the rest replay or 409', async () => {
    const payer = await paid.newPayer();
    const before = await paid.chain.balanceOf(paid.payTo);
    const header = v1Header(await signAuthorization(payer.account, { to: paid.payTo }));
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => create(header, 'burst', `10.0.0.${i + 1}`)),
    );

    const created = responses.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((r) => r.body.data.id)).size).toBe(1);
    expect(created.filter((r) => r.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    for (const r of responses.filter((r) => r.status !== 201)) {
      expect(r.status, r.text).toBe(409);
      expect(r.body.error.code).toBe('SERVER_016');
      expect(r.headers.get('retry-after')).toBe('1');
    }
    expect(await paid.chain.balanceOf(paid.payTo)).toBe(before + PRICE_ATOMIC);
    expect(await paid.chain.balanceOf(payer.address)).toBe(10_000_000n - PRICE_ATOMIC);

    const db = paid.server.services.db;
    const [rows] = await db.select({ n: count() }).from(campaigns).where(eq(campaigns.name, 'burst'));
    expect(rows?.n).toBe(1);
    const ledger = await db.select().from(payments).where(eq(payments.payer, payer.address));
    expect(ledger).toHaveLength(1);

    // Once it settled, every resend is the original answer.
    const later = await create(header, 'burst', '10.0.1.1');
    expect(later.status).toBe(201);
    expect(later.body.data.id).toBe(created[0]?.body.data.id);
  });

  it('10 distinct payers in parallel: 10 campaigns, 10 transfers, no settler nonce collision', async () => {
    const payers = await Promise.all(Array.from({ length: 10 }, () => paid.newPayer()));
    const before = await paid.chain.balanceOf(paid.payTo);
    const headers = await Promise.all(
      payers.map(async (p) => v1Header(await signAuthorization(p.account, { to: paid.payTo }))),
    );
    const responses = await Promise.all(headers.map((h, i) => create(h, `parallel ${i}`, `10.0.2.${i + 1}`)));
    for (const r of responses) expect(r.status, r.text).toBe(201);
    expect(new Set(responses.map((r) => r.body.data.id)).size).toBe(10);
    expect(await paid.chain.balanceOf(paid.payTo)).toBe(before + 10n * PRICE_ATOMIC);
    const transactions = responses.map((r) => r.body.meta.payment.transaction as string);
    expect(new Set(transactions).size).toBe(10);
    const states = await paid.server.services.db
      .select({ state: x402Authorizations.state })
      .from(x402Authorizations)
      .where(inArray(x402Authorizations.txHash, transactions));
    expect(states.map((s) => s.state)).toEqual(Array(10).fill('settled'));
  });

  it('keeps settling when something else sent from the settler key in between', async () => {
    const settler = paid.chain.accounts[1];
    if (!settler) throw new Error('no settler account');
    const pay = async (name: string, ip: string) => {
      const payer = await paid.newPayer();
      return create(v1Header(await signAuthorization(payer.account, { to: paid.payTo })), name, ip);
    };
    expect((await pay('before', '10.0.3.1')).status).toBe(201);
    // An operator moves ETH from the settler's account: the nonce iris would use next is taken.
    const wallet = createWalletClient({
      account: settler.account,
      chain: paid.chain.chain,
      transport: http(paid.chain.rpcUrl),
    });
    const sent = await wallet.sendTransaction({ to: paid.payTo, value: 1n });
    await paid.chain.publicClient.waitForTransactionReceipt({ hash: sent });
    const after = await pay('after', '10.0.3.2');
    expect(after.status, after.text).toBe(201);
    expect(after.body.meta.payment.status).toBe('settled');
  });
});
