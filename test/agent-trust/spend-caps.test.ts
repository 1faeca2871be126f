/**
 * Spend caps: an agent sets its own caps with its key, the operator sets them for it; 20 payments in
 * parallel against room for 3 campaigns settle exactly 3 on the chain and refuse the rest with
 * PAYMENT_008 before any money moves; a per-campaign cap below the price refuses every campaign.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createKey } from '../helpers/api.ts';
import {
  type PaidServer,
  PRICE_ATOMIC,
  signAuthorization,
  startPaidServer,
  v1Header,
} from '../helpers/paid-server.ts';

const body = { name: 'capped', objective_type: 'product_promotion', outreach_channels: ['email'] };
const PRICE_CENTS = 225;

let paid: PaidServer;
let ip = 0;
beforeAll(async () => {
  paid = await startPaidServer();
});
afterAll(() => paid?.close());

const call = (
  method: string,
  path: string,
  options: { key?: string; headers?: Record<string, string>; body?: unknown } = {},
) =>
  api(paid.server.url, method, path, {
    ...options,
    headers: { ...options.headers, 'x-forwarded-for': `10.8.${Math.floor(++ip / 250)}.${ip % 250}` },
  });

async function payWith(payer: Awaited<ReturnType<PaidServer['newPayer']>>) {
  const header = v1Header(await signAuthorization(payer.account, { to: paid.payTo }));
  return call('POST', '/campaigns', { headers: { 'x-payment': header }, body });
}

describe('spend caps', () => {
  it('20 parallel payments against room for 3 campaigns: exactly 3 settle, 17 are refused unpaid', async () => {
    const payer = await paid.newPayer(100_000_000n);
    const first = await payWith(payer);
    expect(first.status, first.text).toBe(201);
    const key: string = first.body.meta.payment.agent_api_key.key;

    const set = await call('PATCH', '/agent/settings', { key, body: { daily_cap_cents: 4 * PRICE_CENTS } });
    expect(set.status, set.text).toBe(200);
    expect(set.body.data).toMatchObject({
      identity_id: first.body.meta.payment.identity_id,
      daily_cap_cents: 900,
      per_campaign_cap_cents: null,
      spent_today_cents: PRICE_CENTS,
    });

    const before = await paid.chain.balanceOf(payer.address);
    const answers = await Promise.all(Array.from({ length: 20 }, () => payWith(payer)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused).toHaveLength(17);
    for (const answer of refused) {
      expect(answer.status).toBe(402);
      expect(answer.body.error.code).toBe('PAYMENT_008');
      expect(answer.body.error.message).toContain('daily cap of 900 cents');
    }
    expect(before - (await paid.chain.balanceOf(payer.address))).toBe(3n * PRICE_ATOMIC);
    const campaigns = await call('GET', '/campaigns?limit=100', { key });
    expect(campaigns.body.data).toHaveLength(4);

    const read = await call('GET', '/agent/settings', { key });
    expect(read.body.data.spent_today_cents).toBe(4 * PRICE_CENTS);

    // Removing the cap lets the next payment through.
    const lifted = await call('PATCH', '/agent/settings', { key, body: { daily_cap_cents: null } });
    expect(lifted.body.data.daily_cap_cents).toBeNull();
    expect((await payWith(payer)).status).toBe(201);
  });

  it('a per-campaign cap below the price refuses before any money moves', async () => {
    const payer = await paid.newPayer();
    const first = await payWith(payer);
    const key: string = first.body.meta.payment.agent_api_key.key;
    await call('PATCH', '/agent/settings', { key, body: { per_campaign_cap_cents: 200 } });
    const before = await paid.chain.balanceOf(payer.address);
    const refused = await payWith(payer);
    expect(refused.status).toBe(402);
    expect(refused.body.error.code).toBe('PAYMENT_008');
    expect(refused.body.error.message).toContain('per-campaign cap of 200 cents');
    expect(await paid.chain.balanceOf(payer.address)).toBe(before);
  });

  it('the operator sets caps for an identity; nobody else does', async () => {
    const payer = await paid.newPayer();
    const mine = await payWith(payer);
    const other = await payWith(await paid.newPayer());
    const identityId: string = mine.body.meta.payment.identity_id;

    const operator = await call('PATCH', '/agent/settings', {
      key: paid.server.adminKey,
      body: { identity_id: identityId, daily_cap_cents: 0 },
    });
    expect(operator.status, operator.text).toBe(200);
    expect(operator.body.data.daily_cap_cents).toBe(0);
    expect((await payWith(payer)).body.error.code).toBe('PAYMENT_008');

    const foreign = await call('PATCH', '/agent/settings', {
      key: other.body.meta.payment.agent_api_key.key,
      body: { identity_id: identityId, daily_cap_cents: null },
    });
    expect(foreign.status).toBe(403);
    const writer = await createKey(paid.server.url, paid.server.adminKey, ['write']);
    const account = await call('PATCH', '/agent/settings', {
      key: writer.key,
      body: { identity_id: identityId, daily_cap_cents: null },
    });
    expect(account.status).toBe(403);
    expect(account.body.error.code).toBe('AUTH_002');
    const negative = await call('PATCH', '/agent/settings', {
      key: mine.body.meta.payment.agent_api_key.key,
      body: { daily_cap_cents: -1 },
    });
    expect(negative.status).toBe(422);
  });
});
