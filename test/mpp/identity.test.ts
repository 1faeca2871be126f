/**
 * Who owns credits: the payment token's hash the server verified, or the key issued for it — never the
 * credential's `source`, which mppx does not check. A forged source or another payer's credential
 * neither reads nor spends someone else's balance.
 */
import { Challenge, Credential } from 'mppx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, jsonOf } from '../helpers/api.ts';
import { type MppServer, mppClient, newToken, startMppServer } from '../helpers/mpp-server.ts';

let mpp: MppServer;
let ip = 0;
beforeAll(async () => {
  mpp = await startMppServer();
});
afterAll(() => mpp?.close());

const headers = () => ({ 'content-type': 'application/json', 'x-forwarded-for': `10.7.0.${++ip}` });

/** A credential for a fresh challenge of `path`, paying with `spt`, claiming any `source`. */
async function craftCredential(path: string, body: unknown, spt: string, source?: string): Promise<string> {
  const challenged = await api(mpp.server.url, 'POST', path, {
    body,
    headers: { 'x-forwarded-for': `10.7.1.${++ip}` },
  });
  expect(challenged.status).toBe(402);
  const challenge = Challenge.deserialize(challenged.headers.get('www-authenticate') ?? '');
  return Credential.serialize(
    Credential.from({ challenge, payload: { spt }, ...(source ? { source } : {}) }),
  );
}

async function buyer(card: string) {
  let credential = '';
  const client = mppClient(() => newToken(card), {
    fetch: async (input, init) => {
      credential = new Headers(init?.headers).get('authorization') ?? credential;
      return fetch(input, init);
    },
  });
  const response = await client.fetch(`${mpp.server.url}/agent/credits`, {
    method: 'POST',
    headers: headers(),
    body: JSON.stringify({ pack: 'pack_5' }),
  });
  const body = await jsonOf(response);
  expect(response.status, JSON.stringify(body)).toBe(201);
  return {
    credential,
    key: body.meta.payment.agent_api_key.key as string,
    identity: body.meta.payment.identity_id as string,
  };
}

describe('MPP identities', () => {
  it('reads the balance with the purchase credential itself, charging nothing', async () => {
    const alice = await buyer('alice');
    const charges = mpp.stripe.requests.length;
    const response = await api(mpp.server.url, 'GET', '/agent/credits', {
      headers: { authorization: alice.credential },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.data).toEqual({ balance: 5, identity_id: alice.identity });
    expect(mpp.stripe.requests.length).toBe(charges);
  });

  it('ignores a forged source: a stranger neither reads nor spends the victim’s credits', async () => {
    const victim = await buyer('victim');
    const forged = await craftCredential(
      '/campaigns',
      { name: 'x', objective_type: 'product_promotion' },
      newToken('mallory'),
      victim.identity,
    );

    const read = await api(mpp.server.url, 'GET', '/agent/credits', { headers: { authorization: forged } });
    expect(read.status).toBe(401);
    // Spending: the stranger's own card pays directly; the victim's balance does not move.
    const spend = await api(mpp.server.url, 'POST', '/campaigns', {
      headers: { authorization: forged, ...headers() },
      body: { name: 'x', objective_type: 'product_promotion' },
    });
    expect(spend.status, spend.text).toBe(201);
    expect(spend.body.meta.payment.identity_id).not.toBe(victim.identity);
    const after = await api(mpp.server.url, 'GET', '/agent/credits', { key: victim.key });
    expect(after.body.data.balance).toBe(5);
  });

  it('refuses a credential whose challenge this server did not issue', async () => {
    const victim = await buyer('victim2');
    const decoded = Credential.deserialize(victim.credential);
    const tampered = Credential.serialize({
      ...decoded,
      challenge: { ...decoded.challenge, request: { ...(decoded.challenge.request as object), amount: '1' } },
    });
    const response = await api(mpp.server.url, 'GET', '/agent/credits', {
      headers: { authorization: tampered },
    });
    expect(response.status).toBe(402);
    expect(response.body.error.code).toBe('PAYMENT_003');
  });

  it('keeps a payment token bound to the identity that first paid with it', async () => {
    const bob = await buyer('bob');
    const carol = await buyer('carol');
    // Carol's key presenting a credential made with Bob's token: refused, nothing charged.
    const bobsToken = (Credential.deserialize(bob.credential).payload as { spt: string }).spt;
    const crossed = await craftCredential('/agent/credits', { pack: 'pack_5' }, bobsToken);
    const charges = mpp.stripe.requests.length;
    const response = await api(mpp.server.url, 'POST', '/agent/credits', {
      key: carol.key,
      headers: { 'payment-authorization': crossed, ...headers() },
      body: { pack: 'pack_5' },
    });
    expect(response.status, response.text).toBe(403);
    expect(response.body.error.code).toBe('AUTH_002');
    expect(mpp.stripe.requests.length).toBe(charges);
  });

  it('adds a later purchase made with the agent key to the same balance', async () => {
    const dave = await buyer('dave');
    const credential = await craftCredential('/agent/credits', { pack: 'pack_5' }, newToken('dave-new-card'));
    const response = await api(mpp.server.url, 'POST', '/agent/credits', {
      key: dave.key,
      headers: { 'payment-authorization': credential, ...headers() },
      body: { pack: 'pack_5' },
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body.data.balance).toBe(10);
    expect(response.body.meta.payment.identity_id).toBe(dave.identity);
    expect(response.body.meta.payment.agent_api_key).toBeUndefined();
  });
});
