/**
 * The credit ledger under pressure: parallel spending never overdraws, a failed campaign gives its
 * credit back as a refund entry, a replayed credential is charged once, a charge whose answer was lost
 * is booked by the reconciler from the PaymentIntent's metadata, and operators refund unspent packs.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MppRail } from '../../payments/mpp/mpp-rail.ts';
import { api, jsonOf } from '../helpers/api.ts';
import { type MppServer, mppClient, newToken, startMppServer } from '../helpers/mpp-server.ts';

let mpp: MppServer;
let ip = 0;
beforeAll(async () => {
  mpp = await startMppServer();
});
afterAll(() => mpp?.close());

const campaign = { name: 'ledger', objective_type: 'product_promotion' };
const rail = () => mpp.server.services.payments?.rails.find((r) => r.name === 'mpp') as MppRail;

/** Buys a pack with a fresh card; returns the agent key, the token maker and the raw credential sent. */
async function buyPack(card = `card${++ip}`) {
  let credential = '';
  const client = mppClient(() => newToken(card), {
    fetch: async (input, init) => {
      const authorization = new Headers(init?.headers).get('authorization');
      if (authorization) credential = authorization;
      return fetch(input, init);
    },
  });
  const response = await client.fetch(`${mpp.server.url}/agent/credits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.8.0.${++ip}` },
    body: JSON.stringify({ pack: 'pack_5' }),
  });
  const body = await jsonOf(response);
  expect(response.status, JSON.stringify(body)).toBe(201);
  return { key: body.meta.payment.agent_api_key?.key as string, body, credential };
}

const balance = async (key: string) =>
  (await api(mpp.server.url, 'GET', '/agent/credits', { key })).body.data.balance;

describe('spending credits', () => {
  it('5 credits and 20 parallel campaigns: exactly 5 campaigns, 15 PAYMENT_005, balance 0', async () => {
    const { key } = await buyPack();
    mpp.server.advance(61_000);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api(mpp.server.url, 'POST', '/campaigns', { key, body: { ...campaign, name: `race ${i}` } }),
      ),
    );
    expect(responses.filter((r) => r.status === 201)).toHaveLength(5);
    const refused = responses.filter((r) => r.status !== 201);
    expect(refused.map((r) => r.body.error.code)).toEqual(Array(15).fill('PAYMENT_005'));
    mpp.server.advance(61_000);
    expect(await balance(key)).toBe(0);
    const [negative] = await mpp.server.services.database.db
      .execute(sql`select count(*)::int as n from credit_accounts where balance < 0`)
      .then((r) => (Array.isArray(r) ? r : (r as { rows: { n: number }[] }).rows));
    expect((negative as { n: number }).n).toBe(0);
  });

  it('gives the credit back as a refund entry when the campaign cannot be created', async () => {
    const { key } = await buyPack();
    mpp.server.advance(61_000);
    const db = mpp.server.services.database.db;
    await db.execute(sql`create or replace function explode_campaign() returns trigger language plpgsql as $$
      begin if new.name = 'explode' then raise exception 'injected failure'; end if; return new; end $$`);
    await db.execute(
      sql`create trigger explode before insert on campaigns for each row execute function explode_campaign()`,
    );
    try {
      const failed = await api(mpp.server.url, 'POST', '/campaigns', {
        key,
        body: { ...campaign, name: 'explode' },
      });
      expect(failed.status).toBe(500);
    } finally {
      await db.execute(sql`drop trigger explode on campaigns`);
    }
    expect(await balance(key)).toBe(5);
    const history = await api(mpp.server.url, 'GET', '/agent/credits/history', { key });
    expect(history.body.data.map((e: { kind: string; credits: number }) => [e.kind, e.credits])).toEqual([
      ['refund', 1],
      ['debit', -1],
      ['purchase', 5],
    ]);
  });
});

describe('charging once', () => {
  it('replays a resent credential without charging again', async () => {
    const { body, credential } = await buyPack();
    const charges = mpp.stripe.requests.filter(
      (r) => r.method === 'POST' && r.path === '/v1/payment_intents',
    ).length;
    const again = await api(mpp.server.url, 'POST', '/agent/credits', {
      headers: { authorization: credential },
      body: { pack: 'pack_5' },
    });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(body);
    expect(
      mpp.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents'),
    ).toHaveLength(charges);
    expect(await balance(body.meta.payment.agent_api_key.key)).toBe(5);
  });

  it('books a charge whose answer was lost, from the PaymentIntent metadata', async () => {
    mpp.stripe.failNext.afterCreate = 1;
    const client = mppClient(() => newToken(`lost${++ip}`));
    const response = await client.fetch(`${mpp.server.url}/agent/credits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.8.1.${++ip}` },
      body: JSON.stringify({ pack: 'pack_5' }),
    });
    const body = await jsonOf(response);
    expect(response.status, JSON.stringify(body)).toBe(201);
    expect(body.data.balance).toBe(5);
  });

  it('books the credits later when writing them failed after the charge', async () => {
    const db = mpp.server.services.database.db;
    await db.execute(sql`create or replace function refuse_entries() returns trigger language plpgsql as $$
      begin raise exception 'ledger unavailable'; end $$`);
    await db.execute(
      sql`create trigger refuse_entries before insert on credit_entries for each row execute function refuse_entries()`,
    );
    let response: Response;
    try {
      response = await mppClient(() => newToken(`late${++ip}`)).fetch(`${mpp.server.url}/agent/credits`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.8.2.${++ip}` },
        body: JSON.stringify({ pack: 'pack_5' }),
      });
    } finally {
      await db.execute(sql`drop trigger refuse_entries on credit_entries`);
    }
    expect(response.status).toBe(503);
    const rows = async () =>
      (await db
        .execute(sql`select id, state, identity_id from mpp_charges order by created_at desc limit 1`)
        .then((r) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows))) as {
        id: string;
        state: string;
        identity_id: string;
      }[];
    expect((await rows())[0]?.state).toBe('charged');

    mpp.server.advance(2 * 60_000);
    expect(await rail().reconciler.runOnce()).toBeGreaterThanOrEqual(1);
    const [charge] = await rows();
    expect(charge?.state).toBe('applied');
    const [account] = (await db
      .execute(sql`select balance from credit_accounts where identity_id = ${charge?.identity_id}`)
      .then((r) => (Array.isArray(r) ? r : (r as { rows: unknown[] }).rows))) as { balance: number }[];
    expect(account?.balance).toBe(5);
  });
});

describe('operator refunds', () => {
  it('refunds an unspent pack to the card and reverses its credits; refuses once credits are spent', async () => {
    const { key } = await buyPack();
    const history = await api(mpp.server.url, 'GET', '/agent/credits/history', { key });
    const purchaseId = history.body.data[0].id;
    const refunded = await api(mpp.server.url, 'POST', `/agent/credits/purchases/${purchaseId}/refund`, {
      key: mpp.server.adminKey,
    });
    expect(refunded.status, refunded.text).toBe(200);
    expect(refunded.body.data).toMatchObject({ credits_reversed: 5, balance: 0 });
    expect(refunded.body.data.refund_id).toMatch(/^re_/);
    expect(mpp.stripe.refunds.size).toBeGreaterThanOrEqual(1);
    const again = await api(mpp.server.url, 'POST', `/agent/credits/purchases/${purchaseId}/refund`, {
      key: mpp.server.adminKey,
    });
    expect(again.status).toBe(200);
    expect(again.body.data.refund_id).toBe(refunded.body.data.refund_id);

    const spender = await buyPack();
    mpp.server.advance(61_000);
    await api(mpp.server.url, 'POST', '/campaigns', { key: spender.key, body: campaign });
    const spentHistory = await api(mpp.server.url, 'GET', '/agent/credits/history', { key: spender.key });
    const spentPurchase = spentHistory.body.data.find((e: { kind: string }) => e.kind === 'purchase').id;
    const refused = await api(mpp.server.url, 'POST', `/agent/credits/purchases/${spentPurchase}/refund`, {
      key: mpp.server.adminKey,
    });
    expect(refused.status).toBe(409);
    expect(await balance(spender.key)).toBe(4);
  });
});
