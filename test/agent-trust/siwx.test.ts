/**
 * Sign-in-with-X: the 402 challenge declares a message; a wallet that paid signs it and reads its
 * payment (and so its campaign) with no key; the same signed message replayed, a wallet that never paid,
 * an expired message and a message for another domain read nothing.
 */
import { randomBytes } from 'node:crypto';
import { createSIWxPayload, encodeSIWxHeader, SIGN_IN_WITH_X } from '@x402/extensions/sign-in-with-x';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.ts';
import { type PaidServer, startPaidServer } from '../helpers/paid-server.ts';
import { siwxClient } from '../helpers/siwx.ts';

const PUBLIC_URL = 'https://iris.example';

let paid: PaidServer;
let siwx: ReturnType<typeof siwxClient>;
let ip = 0;
beforeAll(async () => {
  paid = await startPaidServer({ IRIS_PUBLIC_URL: PUBLIC_URL });
  siwx = siwxClient(paid, PUBLIC_URL);
});
afterAll(() => paid?.close());

const get = (path: string, headers: Record<string, string> = {}) =>
  api(paid.server.url, 'GET', path, { headers: { ...headers, 'x-forwarded-for': `10.5.0.${++ip}` } });

describe('sign-in-with-x', () => {
  it('is declared in the 402 challenge for this server, its network and five minutes', async () => {
    const info = await siwx.declared();
    expect(info).toMatchObject({
      domain: 'iris.example',
      uri: PUBLIC_URL,
      chainId: 'eip155:8453',
      type: 'eip191',
    });
    expect(Date.parse(info.expirationTime ?? '') - Date.parse(info.issuedAt)).toBe(300_000);
  });

  it('lets the paying wallet read its payment and campaign without a key, once per signed message', async () => {
    const { payer, created } = await siwx.paidCampaign();
    const headers = await siwx.signIn(payer.account);
    const id = created.meta.payment.payment_id;
    const read = await get(`/payments/${id}`, headers);
    expect(read.status, read.text).toBe(200);
    expect(read.body.data).toMatchObject({ id, campaign_id: created.data.id, payer: payer.address });

    const replayed = await get(`/payments/${id}`, headers);
    expect(replayed.status).toBe(401);
    expect(replayed.body.error.code).toBe('AUTH_001');
    expect(replayed.body.error.message).toContain('used already');

    // Another sign-in needs a nonce this wallet has not used: the declared one is taken, so its own.
    const fresh = { ...(await siwx.declared()), nonce: randomBytes(16).toString('hex') };
    const list = await get('/payments', await siwx.signIn(payer.account, fresh));
    expect(list.body.data.map((p: { campaign_id: string }) => p.campaign_id)).toEqual([created.data.id]);

    // Its campaigns too, the same way (a principal of that agent identity, like its agent key).
    const again = { ...(await siwx.declared()), nonce: randomBytes(16).toString('hex') };
    const campaign = await get(`/campaigns/${created.data.id}`, await siwx.signIn(payer.account, again));
    expect(campaign.status, campaign.text).toBe(200);
    expect(campaign.body.data.id).toBe(created.data.id);
    const stranger = { ...(await siwx.declared()), nonce: randomBytes(16).toString('hex') };
    const other = await paid.newPayer();
    const refused = await get(`/campaigns/${created.data.id}`, await siwx.signIn(other.account, stranger));
    expect(refused.status).toBe(401);
  });

  it("reads nothing for a wallet that never paid, nor another wallet's payment", async () => {
    const { created } = await siwx.paidCampaign();
    const stranger = privateKeyToAccount(generatePrivateKey());
    const refused = await get(`/payments/${created.meta.payment.payment_id}`, await siwx.signIn(stranger));
    expect(refused.status).toBe(401);
    expect(refused.body.error.message).toContain('has not paid');

    const other = await siwx.paidCampaign();
    const foreign = await get(
      `/payments/${created.meta.payment.payment_id}`,
      await siwx.signIn(other.payer.account),
    );
    expect(foreign.status).toBe(404);
  });

  it('refuses an expired message and one for another domain', async () => {
    const { payer, created } = await siwx.paidCampaign();
    const info = await siwx.declared();
    const old = new Date(Date.now() - 10 * 60_000);
    const expired = await get(
      `/payments/${created.meta.payment.payment_id}`,
      await siwx.signIn(payer.account, {
        ...info,
        issuedAt: old.toISOString(),
        expirationTime: new Date(old.getTime() + 60_000).toISOString(),
      }),
    );
    expect(expired.status).toBe(401);
    expect(expired.body.error.message).toContain('invalid_siwx');

    const elsewhere = await createSIWxPayload(
      { ...info, domain: 'evil.example', uri: 'https://evil.example' },
      payer.account,
      'https://evil.example/payments',
    );
    const phished = await get(`/payments/${created.meta.payment.payment_id}`, {
      [SIGN_IN_WITH_X]: encodeSIWxHeader(elsewhere),
    });
    expect(phished.status).toBe(401);
    expect(phished.body.error.message).toContain('invalid_siwx_domain_mismatch');
  });
});
