/**
 * Idempotency-Key on the MPP paths: a retried credit spend replays the first campaign (one credit), a
 * retried purchase with a freshly made credential replays the first purchase (one charge).
 */
import { Challenge, Credential } from 'mppx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, jsonOf } from '../helpers/api.ts';
import { type MppServer, mppClient, newToken, startMppServer } from '../helpers/mpp-server.ts';

let mpp: MppServer;
beforeAll(async () => {
  mpp = await startMppServer();
});
afterAll(() => mpp?.close());

async function buyPack(card: string) {
  const response = await mppClient(() => newToken(card)).fetch(`${mpp.server.url}/agent/credits`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pack: 'pack_5' }),
  });
  const body = await jsonOf(response);
  expect(response.status).toBe(201);
  return body.meta.payment.agent_api_key.key as string;
}

async function freshCredential(spt: string): Promise<string> {
  const challenged = await api(mpp.server.url, 'POST', '/agent/credits', { body: { pack: 'pack_5' } });
  return Credential.serialize(
    Credential.from({
      challenge: Challenge.deserialize(challenged.headers.get('www-authenticate') ?? ''),
      payload: { spt },
    }),
  );
}

const charges = () =>
  mpp.stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents').length;

describe('Idempotency-Key with MPP', () => {
  it('replays a credit spend: one campaign, one credit', async () => {
    const key = await buyPack('idem-spend');
    const body = { name: 'idempotent', objective_type: 'product_promotion' };
    const headers = { 'idempotency-key': 'spend-1' };
    const first = await api(mpp.server.url, 'POST', '/campaigns', { key, headers, body });
    const second = await api(mpp.server.url, 'POST', '/campaigns', { key, headers, body });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body).toEqual(first.body);
    const balance = await api(mpp.server.url, 'GET', '/agent/credits', { key });
    expect(balance.body.data.balance).toBe(4);
    const other = await api(mpp.server.url, 'POST', '/campaigns', {
      key,
      headers,
      body: { ...body, name: 'different' },
    });
    expect(other.status).toBe(409);
  });

  it('replays a purchase retried with a new credential: one charge', async () => {
    const key = await buyPack('idem-buy');
    const headers = (credential: string) => ({
      'payment-authorization': credential,
      'idempotency-key': 'buy-2',
    });
    const first = await api(mpp.server.url, 'POST', '/agent/credits', {
      key,
      headers: headers(await freshCredential(newToken('idem-buy'))),
      body: { pack: 'pack_5' },
    });
    expect(first.status, first.text).toBe(201);
    expect(first.body.data.balance).toBe(10);
    const before = charges();
    const retry = await api(mpp.server.url, 'POST', '/agent/credits', {
      key,
      headers: headers(await freshCredential(newToken('idem-buy'))),
      body: { pack: 'pack_5' },
    });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(charges()).toBe(before);
  });
});
