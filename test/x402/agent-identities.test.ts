/**
 * Agent identities: the payer address proven by the signature is the identity; its API key reads and
 * operates its own campaigns and nothing else, and still pays for every new campaign.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.ts';
import { type PaidServer, signAuthorization, startPaidServer, v1Header } from '../helpers/paid-server.ts';

let paid: PaidServer;
let ip = 0;
beforeAll(async () => {
  paid = await startPaidServer();
});
afterAll(() => paid?.close());

const body = { name: 'identity', objective_type: 'product_promotion' };

async function buy(payer: Awaited<ReturnType<PaidServer['newPayer']>>, key?: string) {
  return api(paid.server.url, 'POST', '/campaigns', {
    key,
    headers: {
      'x-payment': v1Header(await signAuthorization(payer.account, { to: paid.payTo })),
      'x-forwarded-for': `10.3.0.${++ip}`,
    },
    body,
  });
}

describe('agent identities', () => {
  it('keep each identity to its own campaigns', async () => {
    const alice = await paid.newPayer();
    const bob = await paid.newPayer();
    const a = await buy(alice);
    const b = await buy(bob);
    expect([a.status, b.status]).toEqual([201, 201]);
    const aliceKey: string = a.body.meta.payment.agent_api_key.key;
    const bobKey: string = b.body.meta.payment.agent_api_key.key;
    expect(a.body.meta.payment.identity_id).not.toBe(b.body.meta.payment.identity_id);

    const cross = await api(paid.server.url, 'GET', `/campaigns/${b.body.data.id}`, { key: aliceKey });
    expect(cross.status).toBe(404);
    expect(cross.body.error.code).toBe('CAMP_001');
    const own = await api(paid.server.url, 'GET', `/campaigns/${b.body.data.id}`, { key: bobKey });
    expect(own.status).toBe(200);
    const me = await api(paid.server.url, 'GET', '/keys/me', { key: aliceKey });
    expect(me.body.data.scopes).toEqual(['read', 'write']);
    expect((await api(paid.server.url, 'GET', '/audit-log', { key: aliceKey })).status).toBe(403);
  });

  it('still pays per campaign with its key, and only with its own wallet', async () => {
    const carol = await paid.newPayer();
    const first = await buy(carol);
    const key: string = first.body.meta.payment.agent_api_key.key;

    const unpaid = await api(paid.server.url, 'POST', '/campaigns', { key, body });
    expect(unpaid.status).toBe(402);
    expect(unpaid.body.error.code).toBe('PAYMENT_001');

    const withKey = await buy(carol, key);
    expect(withKey.status, withKey.text).toBe(201);
    expect(withKey.body.meta.payment.identity_id).toBe(first.body.meta.payment.identity_id);

    const dave = await paid.newPayer();
    const foreign = await buy(dave, key);
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('AUTH_002');
    expect(await paid.chain.balanceOf(dave.address)).toBe(10_000_000n);

    // The refused attempt wrote nothing that lasts: dave's own first payment makes his identity and key.
    const own = await buy(dave);
    expect(own.status, own.text).toBe(201);
    expect(own.body.meta.payment.identity_id).not.toBe(first.body.meta.payment.identity_id);
    expect(own.body.meta.payment.agent_api_key.key).toMatch(/^is_live_/);
    // Repeat payments (identity and key known to the server by then) issue no second key.
    const again = await buy(dave);
    expect(again.status, again.text).toBe(201);
    expect(again.body.meta.payment.identity_id).toBe(own.body.meta.payment.identity_id);
    expect(again.body.meta.payment.agent_api_key).toBeUndefined();
  });

  it('lets accounts with keys create campaigns without paying', async () => {
    const response = await api(paid.server.url, 'POST', '/campaigns', { key: paid.server.adminKey, body });
    expect(response.status).toBe(201);
    expect(response.body.data.status).toBe('draft');
  });
});
