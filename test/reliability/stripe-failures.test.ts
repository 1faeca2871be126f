/**
 * The Stripe-shaped server failing an MPP payment (issue 18): a 500 before anything is created, a
 * PaymentIntent answered past the rail's timeout (made at once, or only once Stripe gets to it), the
 * Refunds API failing or timing out, and credit spends meanwhile. A real server (in process, its own
 * database on the suite's PostgreSQL) with the MPP rail talks to the local Stripe-shaped server
 * (test/helpers/stripe-server.ts), paid by the stock mppx client; outages are switched on the fake and
 * released by the test, and the reconciler runs when the test says, on the server's test clock.
 * Expected: only documented answers; credits booked at most once per PaymentIntent and never lost (a
 * PaymentIntent that succeeded is booked, by the request or the reconciler); a retry never charges or
 * books twice; a refund Stripe did not confirm stays owed with its credits reversed and is made exactly
 * once when Stripe works again; no campaign goes live without its payment.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { creditAccounts, creditEntries, mppCharges } from '../../db/schema-credits.ts';
import { paymentRefunds, payments } from '../../db/schema-payments.ts';
import type { MppRail } from '../../payments/mpp/mpp-rail.ts';
import { type ApiResponse, api } from '../helpers/api.ts';
import { type MppServer, mppClient, newToken, startMppServer } from '../helpers/mpp-server.ts';

/** The rail's Stripe timeout per request here (20 s by default): the SDK retries a failed one once. */
const STRIPE_TIMEOUT_MS = 1_000;
/** The MPP rail's lease on a charge (mpp-rail.ts). */
const LEASE_MS = 60_000;

let mpp: MppServer;
let ip = 0;

const rail = () => mpp.server.services.payments?.rails.find((r) => r.name === 'mpp') as MppRail;
const db = () => mpp.server.services.db;

beforeAll(async () => {
  mpp = await startMppServer({ STRIPE_TIMEOUT_MS: String(STRIPE_TIMEOUT_MS) });
});

afterAll(async () => {
  mpp?.stripe.release();
  await mpp?.close();
});

/** A stock mppx client paying with a card, and the credential it sent last (to resend it as is). */
function agent(card = `card${randomBytes(4).toString('hex')}`) {
  let credential = '';
  const client = mppClient(() => newToken(card), {
    fetch: async (input, init) => {
      const authorization = new Headers(init?.headers).get('authorization');
      if (authorization) credential = authorization;
      return fetch(input, init);
    },
  });
  const post = async (path: string, body: unknown): Promise<ApiResponse> => {
    const response = await client.fetch(`${mpp.server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.18.3.${++ip}` },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? JSON.parse(text) : undefined,
      text,
    };
  };
  return {
    buy: () => post('/agent/credits', { pack: 'pack_5' }),
    payCampaign: (name: string) => post('/campaigns', { name, objective_type: 'product_promotion' }),
    /** The last purchase's credential sent again, unchanged (a client retrying the same request). */
    resend: () =>
      api(mpp.server.url, 'POST', '/agent/credits', {
        headers: { authorization: credential, 'x-forwarded-for': `10.18.3.${++ip}` },
        body: { pack: 'pack_5' },
      }),
  };
}

function expectError(response: ApiResponse, status: number, code: string): void {
  expect(response.status, response.text).toBe(status);
  expect(response.body.error.code).toBe(code);
}

/** PaymentIntent creations Stripe was asked for so far. */
const createCalls = () =>
  mpp.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents').length;

async function chargesWhere(states: string[]) {
  return db().select().from(mppCharges).where(inArray(mppCharges.state, states));
}

/** The newest charge: the one the last purchase left. */
async function newestCharge() {
  const [row] = await db().select().from(mppCharges).orderBy(sql`${mppCharges.createdAt} desc`).limit(1);
  return row;
}

async function entriesOf(identityId: string) {
  return db()
    .select({ kind: creditEntries.kind, credits: creditEntries.credits, paymentId: creditEntries.paymentId })
    .from(creditEntries)
    .where(eq(creditEntries.identityId, identityId))
    .orderBy(creditEntries.createdAt, creditEntries.id);
}

async function balanceOf(identityId: string): Promise<number | undefined> {
  const [row] = await db()
    .select({ balance: creditAccounts.balance })
    .from(creditAccounts)
    .where(eq(creditAccounts.identityId, identityId));
  return row?.balance;
}

/** Past every lease, then one reconciler pass. */
async function reconcile(): Promise<number> {
  mpp.server.advance(LEASE_MS + 1_000);
  return rail().reconciler.runOnce();
}

describe('Stripe answers 500 before creating anything', () => {
  it('503, nothing booked; the same credential never charges; the retry books one pack', async () => {
    const buyer = agent();
    // Two: the SDK retries a 500 once by itself.
    mpp.stripe.failNext.paymentIntents = 2;
    const calls = createCalls();
    const failed = await buyer.buy();
    expectError(failed, 503, 'SERVER_009');
    expect(createCalls()).toBe(calls + 2);
    expect(mpp.stripe.paymentIntents.size).toBe(0);
    const charge = await newestCharge();
    expect(charge).toMatchObject({ state: 'charging', paymentIntentId: null });
    expect(await entriesOf(charge?.identityId as string)).toEqual([]);

    // The same credential again, once the first request's lease is over: Stripe is asked what happened
    // (nothing), never charged again.
    mpp.server.advance(LEASE_MS + 1_000);
    expectError(await buyer.resend(), 503, 'SERVER_009');
    expect(createCalls()).toBe(calls + 2);

    // The client's retry (a fresh challenge and credential): one charge, one pack.
    const retried = await buyer.buy();
    expect(retried.status, retried.text).toBe(201);
    expect(retried.body.data).toEqual({ balance: 5, credits_added: 5, pack: 'pack_5' });
    expect(mpp.stripe.paymentIntents.size).toBe(1);
    const identityId = retried.body.meta.payment.identity_id as string;
    expect((await entriesOf(identityId)).map((e) => [e.kind, e.credits])).toEqual([['purchase', 5]]);
    // The first credential's charge stays open (Stripe may yet show a PaymentIntent) until it is dead:
    // the end check sees it failed.
    expect(
      (
        await db()
          .select()
          .from(mppCharges)
          .where(eq(mppCharges.id, charge?.id as string))
      )[0]?.state,
    ).toBe('charging');
  });
});

describe('Stripe answers a PaymentIntent past the rail timeout', () => {
  it('made only later: 503, then the reconciler books it once; a resend replays it', async () => {
    const buyer = agent();
    const intents = mpp.stripe.paymentIntents.size;
    mpp.stripe.stall.paymentIntents = 'before';
    const held = mpp.stripe.nextHeld();
    const failed = await buyer.buy();
    await held;
    // The SDK's own retry met the first request still in progress (Stripe's 409): not a refusal.
    expectError(failed, 503, 'SERVER_009');
    const charge = await newestCharge();
    expect(charge?.state).toBe('charging');
    expect(mpp.stripe.paymentIntents.size).toBe(intents);
    const identityId = charge?.identityId as string;
    expect(await entriesOf(identityId)).toEqual([]);

    // Stripe gets to it: the PaymentIntent succeeds, and the reconciler books it.
    mpp.stripe.release();
    expect(mpp.stripe.paymentIntents.size).toBe(intents + 1);
    await reconcile();
    const [booked] = await db()
      .select()
      .from(mppCharges)
      .where(eq(mppCharges.id, charge?.id as string));
    expect(booked?.state).toBe('applied');
    expect((await entriesOf(identityId)).map((e) => [e.kind, e.credits])).toEqual([['purchase', 5]]);

    const again = await buyer.resend();
    expect(again.status, again.text).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.data).toEqual({ balance: 5, credits_added: 5, pack: 'pack_5' });
    // Another pass books nothing more.
    await reconcile();
    expect((await entriesOf(identityId)).map((e) => [e.kind, e.credits])).toEqual([['purchase', 5]]);
    expect(await balanceOf(identityId)).toBe(5);
  });

  it('never made: 503; nothing booked, the charge kept open until its credential is dead', async () => {
    const buyer = agent();
    const intents = mpp.stripe.paymentIntents.size;
    mpp.stripe.stall.paymentIntents = 'before';
    const held = mpp.stripe.nextHeld();
    const failed = await buyer.buy();
    await held;
    mpp.stripe.drop();
    expectError(failed, 503, 'SERVER_009');
    const charge = await newestCharge();
    await reconcile();
    const [open] = await db()
      .select()
      .from(mppCharges)
      .where(eq(mppCharges.id, charge?.id as string));
    expect(open?.state).toBe('charging');
    expect(mpp.stripe.paymentIntents.size).toBe(intents);
    expect(await entriesOf(charge?.identityId as string)).toEqual([]);
    // The end check sees it failed once its credential is dead, still with nothing booked.
  });

  it('made at once, the answer lost: the request finds it and books it; a resend replays it', async () => {
    const buyer = agent();
    mpp.stripe.stall.paymentIntents = 'after';
    const intents = mpp.stripe.paymentIntents.size;
    const bought = await buyer.buy();
    mpp.stripe.release();
    expect(bought.status, bought.text).toBe(201);
    expect(bought.body.data).toEqual({ balance: 5, credits_added: 5, pack: 'pack_5' });
    expect(mpp.stripe.paymentIntents.size).toBe(intents + 1);
    const identityId = bought.body.meta.payment.identity_id as string;

    const again = await buyer.resend();
    expect(again.status, again.text).toBe(201);
    expect(again.body).toEqual(bought.body);
    await reconcile();
    expect((await entriesOf(identityId)).map((e) => [e.kind, e.credits])).toEqual([['purchase', 5]]);
    expect(await balanceOf(identityId)).toBe(5);
  });
});

describe('spending while Stripe stalls', () => {
  it('credits pay without Stripe; a campaign paid directly waits for its charge', async () => {
    const spender = agent();
    const bought = await spender.buy();
    expect(bought.status, bought.text).toBe(201);
    const key = bought.body.meta.payment.agent_api_key.key as string;
    const identityId = bought.body.meta.payment.identity_id as string;
    mpp.server.advance(61_000);

    mpp.stripe.stall.paymentIntents = 'before';
    const calls = createCalls();
    const spent = await api(mpp.server.url, 'POST', '/campaigns', {
      key,
      body: { name: 'spent while stalled', objective_type: 'product_promotion' },
    });
    expect(spent.status, spent.text).toBe(201);
    expect(spent.body.data.status).toBe('active');
    expect(spent.body.meta.payment).toMatchObject({ rail: 'mpp', credits_spent: 1, balance: 4 });
    expect(createCalls()).toBe(calls);
    const debits = (await entriesOf(identityId)).filter((e) => e.kind === 'debit');
    expect(debits.map((e) => e.credits)).toEqual([-1]);

    // Paid directly with a credential for its price: no answer from Stripe, so no live campaign.
    const direct = agent();
    const waiting = await direct.payCampaign('paid while stalled');
    expectError(waiting, 503, 'SERVER_009');
    const [pending] = await db()
      .select({ id: campaigns.id, status: campaigns.status })
      .from(campaigns)
      .where(eq(campaigns.name, 'paid while stalled'));
    expect(pending?.status).toBe('pending_payment');

    mpp.stripe.release();
    await reconcile();
    const [live] = await db()
      .select({ status: campaigns.status })
      .from(campaigns)
      .where(eq(campaigns.id, pending?.id as string));
    expect(live?.status).not.toBe('pending_payment');
    const paid = await db()
      .select()
      .from(payments)
      .where(eq(payments.campaignId, pending?.id as string));
    expect(paid).toHaveLength(1);
    expect(mpp.stripe.paymentIntents.get(paid[0]?.reference as string)?.status).toBe('succeeded');
  });
});

describe('the Refunds API failing', () => {
  /** A pack bought while Stripe works: the agent's key and identity, its purchase and PaymentIntent. */
  async function boughtPack() {
    const bought = await agent().buy();
    expect(bought.status, bought.text).toBe(201);
    const key = bought.body.meta.payment.agent_api_key.key as string;
    const identityId = bought.body.meta.payment.identity_id as string;
    const history = await api(mpp.server.url, 'GET', '/agent/credits/history', { key });
    const purchaseId = history.body.data[0].id as string;
    const paymentIntent = bought.body.meta.payment.reference as string;
    return { key, identityId, purchaseId, paymentIntent, paymentId: bought.body.meta.payment.payment_id };
  }
  const refund = (purchaseId: string) =>
    api(mpp.server.url, 'POST', `/agent/credits/purchases/${purchaseId}/refund`, {
      key: mpp.server.adminKey,
    });
  const stripeRefundsOf = (paymentIntent: string) =>
    [...mpp.stripe.refunds.values()].filter((r) => r.payment_intent === paymentIntent);

  it('500s: 503, credits reversed and the refund owed; the reconciler makes it once Stripe works', async () => {
    const pack = await boughtPack();
    mpp.stripe.failNext.refunds = 2;
    const failed = await refund(pack.purchaseId);
    expectError(failed, 503, 'SERVER_009');
    expect(stripeRefundsOf(pack.paymentIntent)).toEqual([]);
    // Never doubled: the credits are gone while the money is owed back.
    expect(await balanceOf(pack.identityId)).toBe(0);
    mpp.server.advance(61_000);
    const spend = await api(mpp.server.url, 'POST', '/campaigns', {
      key: pack.key,
      body: { name: 'spend a refunded pack', objective_type: 'product_promotion' },
    });
    expectError(spend, 402, 'PAYMENT_005');
    const owed = await api(mpp.server.url, 'GET', `/payments/${pack.paymentId}`, {
      key: mpp.server.adminKey,
    });
    expect(owed.body.data).toMatchObject({ status: 'refunded', refund: { state: 'owed', reference: null } });

    // Still failing: it stays owed.
    mpp.stripe.failNext.refunds = 2;
    await reconcile();
    expect(stripeRefundsOf(pack.paymentIntent)).toEqual([]);
    // Working again: made once.
    await reconcile();
    const made = stripeRefundsOf(pack.paymentIntent);
    expect(made.map((r) => r.amount)).toEqual([1200]);
    const sent = await api(mpp.server.url, 'GET', `/payments/${pack.paymentId}`, {
      key: mpp.server.adminKey,
    });
    expect(sent.body.data.refund).toMatchObject({ state: 'sent', reference: made[0]?.id });

    // The operator asking again gets the same refund; nothing more is refunded or reversed.
    const again = await refund(pack.purchaseId);
    expect(again.status, again.text).toBe(200);
    expect(again.body.data).toMatchObject({ refund_id: made[0]?.id, credits_reversed: 5, balance: 0 });
    expect(stripeRefundsOf(pack.paymentIntent)).toHaveLength(1);
    expect((await entriesOf(pack.identityId)).map((e) => [e.kind, e.credits])).toEqual([
      ['purchase', 5],
      ['reversal', -5],
    ]);
  });

  it('a timeout, the refund made late: 503, owed; the retry gets the one Stripe made', async () => {
    const pack = await boughtPack();
    mpp.stripe.stall.refunds = 'before';
    const held = mpp.stripe.nextHeld();
    const failed = await refund(pack.purchaseId);
    await held;
    expectError(failed, 503, 'SERVER_009');
    expect(await balanceOf(pack.identityId)).toBe(0);
    expect(stripeRefundsOf(pack.paymentIntent)).toEqual([]);

    mpp.stripe.release();
    const made = stripeRefundsOf(pack.paymentIntent);
    expect(made).toHaveLength(1);
    const again = await refund(pack.purchaseId);
    expect(again.status, again.text).toBe(200);
    expect(again.body.data).toMatchObject({ refund_id: made[0]?.id, credits_reversed: 5, balance: 0 });
    await reconcile();
    expect(stripeRefundsOf(pack.paymentIntent)).toHaveLength(1);
    expect((await entriesOf(pack.identityId)).map((e) => [e.kind, e.credits])).toEqual([
      ['purchase', 5],
      ['reversal', -5],
    ]);
  });

  it('credits debited for a campaign that failed come back in the ledger, never through Stripe', async () => {
    const pack = await boughtPack();
    mpp.server.advance(61_000);
    mpp.stripe.failNext.refunds = 100;
    const refundCalls = mpp.stripe.requests.filter((r) => r.path === '/v1/refunds').length;
    await db().execute(sql`create or replace function refuse_campaign() returns trigger language plpgsql as $$
      begin if new.name = 'refused campaign' then raise exception 'injected failure'; end if; return new; end $$`);
    await db().execute(
      sql`create trigger refuse_campaign before insert on campaigns for each row execute function refuse_campaign()`,
    );
    try {
      const failed = await api(mpp.server.url, 'POST', '/campaigns', {
        key: pack.key,
        body: { name: 'refused campaign', objective_type: 'product_promotion' },
      });
      expect(failed.status).toBe(500);
    } finally {
      await db().execute(sql`drop trigger refuse_campaign on campaigns`);
      mpp.stripe.failNext.refunds = 0;
    }
    expect(await balanceOf(pack.identityId)).toBe(5);
    expect((await entriesOf(pack.identityId)).map((e) => [e.kind, e.credits])).toEqual([
      ['purchase', 5],
      ['debit', -1],
      ['refund', 1],
    ]);
    expect(mpp.stripe.requests.filter((r) => r.path === '/v1/refunds')).toHaveLength(refundCalls);
  });
});

describe('afterwards', () => {
  it('every PaymentIntent that succeeded is booked once, nothing is owed or open, no campaign waits', async () => {
    // Once the credentials of the open charges are dead, the reconciler concludes them (none charged).
    mpp.server.advance(11 * 60_000);
    await rail().reconciler.runOnce();
    expect(await chargesWhere(['charging', 'charged'])).toEqual([]);
    // The two credentials Stripe never charged (a 500, a request it never got), and only those.
    const failedCharges = await chargesWhere(['failed']);
    expect(failedCharges.map((c) => [c.failureCode, c.paymentIntentId])).toEqual([
      ['PAYMENT_003', null],
      ['PAYMENT_003', null],
    ]);

    // Every PaymentIntent that succeeded belongs to an applied charge, booked once.
    const succeeded = [...mpp.stripe.paymentIntents.values()].filter((pi) => pi.status === 'succeeded');
    const appliedIds = (await chargesWhere(['applied'])).map((c) => c.id);
    for (const intent of succeeded) {
      expect(appliedIds).toContain((intent.metadata as Record<string, string>).iris_charge_id);
    }
    for (const intent of succeeded) {
      const recorded = await db()
        .select()
        .from(payments)
        .where(and(eq(payments.rail, 'mpp'), eq(payments.reference, intent.id as string)));
      expect(recorded, String(intent.id)).toHaveLength(1);
      const purchases = await db()
        .select()
        .from(creditEntries)
        .where(
          and(eq(creditEntries.paymentId, recorded[0]?.id as string), eq(creditEntries.kind, 'purchase')),
        );
      expect(purchases.length + (recorded[0]?.campaignId ? 1 : 0), String(intent.id)).toBe(1);
      expect(
        [...mpp.stripe.refunds.values()].filter((r) => r.payment_intent === intent.id).length,
      ).toBeLessThanOrEqual(1);
    }
    const recordedCount = await db().select().from(payments).where(eq(payments.rail, 'mpp'));
    expect(recordedCount).toHaveLength(succeeded.length);
    expect(await db().select().from(paymentRefunds).where(eq(paymentRefunds.state, 'owed'))).toEqual([]);
    const waiting = await db().select().from(campaigns).where(eq(campaigns.status, 'pending_payment'));
    expect(waiting).toEqual([]);
    // Every balance is what its entries add up to.
    const drift = await db().execute(sql`select a.identity_id from credit_accounts a
      where a.balance <> (select coalesce(sum(e.credits), 0) from credit_entries e where e.identity_id = a.identity_id)`);
    expect(Array.isArray(drift) ? drift : (drift as { rows: unknown[] }).rows).toEqual([]);
  });
});
