/**
 * Signed receipts: an x402 settlement, an MPP credit purchase and a credit spend each carry a receipt
 * JWS (body and Iris-Receipt header, stored on the payment) that verifies offline against the published
 * key set alone; a tampered receipt does not; rotated keys stay published.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { payments } from '../../db/schema-payments.ts';
import type { X402Rail } from '../../payments/x402/x402-rail.ts';
import { refundCampaign } from '../../src/domain/payments/refund-campaign.ts';
import { signReceipt } from '../../src/domain/receipts/receipt.ts';
import { jwksOf } from '../../src/domain/receipts/signing-keys.ts';
import { api, jsonOf } from '../helpers/api.ts';
import { mppClient, newToken } from '../helpers/mpp-server.ts';
import { type PaidServer, PRICE_ATOMIC, startPaidServer, x402Fetch } from '../helpers/paid-server.ts';
import { type StripeServer, startStripeServer } from '../helpers/stripe-server.ts';

const campaign = { name: 'receipted', objective_type: 'product_promotion', outreach_channels: ['email'] };

let stripe: StripeServer;
let paid: PaidServer;
let jwks: JSONWebKeySet;
const refundKey = generatePrivateKey();
beforeAll(async () => {
  stripe = await startStripeServer();
  paid = await startPaidServer({
    X402_REFUND_PRIVATE_KEY: refundKey,
    MPP_SECRET_KEY: randomBytes(32).toString('hex'),
    MPP_REALM: 'iris.test',
    STRIPE_SECRET_KEY: 'sk_test_iris',
    STRIPE_API_BASE: stripe.url,
    STRIPE_PROFILE_ID: 'profile_test',
    MPP_RECONCILE_INTERVAL_MS: '3600000',
    LOG_LEVEL: 'error',
  });
  const refunder = privateKeyToAccount(refundKey).address;
  await paid.chain.fund(refunder, 10n ** 18n);
  await paid.chain.mint(refunder, 100_000_000n);
  // Fetched once; every check below is offline.
  const published = await api(paid.server.url, 'GET', '/.well-known/jwks.json');
  expect(published.status).toBe(200);
  expect(published.headers.get('cache-control')).toContain('max-age');
  jwks = published.body;
});
afterAll(async () => {
  await paid?.close();
  await stripe?.close();
});

const verifyOffline = (receipt: string) =>
  jwtVerify(receipt, createLocalJWKSet(jwks), { typ: 'iris-receipt+jwt', algorithms: ['EdDSA'] });

describe('receipts', () => {
  it('publishes Ed25519 public keys only', () => {
    expect(jwks.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
      expect(key.kid).toBeTruthy();
      expect(key.d).toBeUndefined();
    }
  });

  it('an x402 settlement: receipt in meta and header, stored on the payment, verified offline', async () => {
    const payer = await paid.newPayer();
    const response = await x402Fetch(paid.chain, payer.account)(`${paid.server.url}/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(campaign),
    });
    const body = await jsonOf(response);
    expect(response.status, JSON.stringify(body)).toBe(201);
    const receipt: string = body.meta.payment.receipt;
    expect(response.headers.get('iris-receipt')).toBe(receipt);
    const { payload } = await verifyOffline(receipt);
    expect(payload).toMatchObject({
      sub: body.meta.payment.identity_id,
      kind: 'settlement',
      rail: 'x402',
      operation: 'campaigns.create',
      amount_minor: PRICE_ATOMIC.toString(),
      currency: 'USDC',
      reference: body.meta.payment.transaction,
      resource_id: body.data.id,
      payment_id: body.meta.payment.payment_id,
      payer: payer.address,
      network: 'eip155:8453',
    });
    expect(typeof payload.iss).toBe('string');
    expect(typeof payload.iat).toBe('number');
    const [row] = await paid.server.services.db
      .select()
      .from(payments)
      .where(eq(payments.id, body.meta.payment.payment_id));
    expect(row?.receipt).toBe(receipt);
  });

  it('refuses a tampered receipt', async () => {
    const payer = await paid.newPayer();
    const response = await x402Fetch(paid.chain, payer.account)(`${paid.server.url}/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(campaign),
    });
    const receipt: string = (await jsonOf(response)).meta.payment.receipt;
    const [header, payload, signature] = receipt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.amount_minor = '1';
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    await expect(verifyOffline(forged)).rejects.toThrow(/signature/i);
  });

  it('a credit purchase and each credit spend get receipts', async () => {
    const client = mppClient(() => newToken(`receipts${randomBytes(3).toString('hex')}`));
    const bought = await client.fetch(`${paid.server.url}/agent/credits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pack: 'pack_5' }),
    });
    const purchase = await jsonOf(bought);
    expect(bought.status, JSON.stringify(purchase)).toBe(201);
    expect(bought.headers.get('iris-receipt')).toBe(purchase.meta.payment.receipt);
    const { payload: purchased } = await verifyOffline(purchase.meta.payment.receipt);
    expect(purchased).toMatchObject({
      kind: 'credit_purchase',
      rail: 'mpp',
      operation: 'credits.purchase',
      amount_minor: '1200',
      currency: 'usd',
      reference: expect.stringMatching(/^pi_/),
      sub: purchase.meta.payment.identity_id,
    });

    const key: string = purchase.meta.payment.agent_api_key.key;
    const spent = await api(paid.server.url, 'POST', '/campaigns', { key, body: campaign });
    expect(spent.status).toBe(201);
    expect(spent.headers.get('iris-receipt')).toBe(spent.body.meta.payment.receipt);
    const { payload } = await verifyOffline(spent.body.meta.payment.receipt);
    expect(payload).toMatchObject({
      kind: 'credit_spend',
      rail: 'mpp',
      operation: 'campaigns.create',
      amount_minor: '1',
      currency: 'credits',
      resource_id: spent.body.data.id,
      sub: purchase.meta.payment.identity_id,
    });
  });
});

describe('refund receipts', () => {
  it('a refund sent back carries its own receipt, shown with the payment', async () => {
    const payer = await paid.newPayer();
    const response = await x402Fetch(paid.chain, payer.account)(`${paid.server.url}/campaigns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(campaign),
    });
    const created = await jsonOf(response);
    expect(response.status).toBe(201);
    const balance = await paid.chain.balanceOf(payer.address);
    await paid.server.services.db.transaction((tx) =>
      refundCampaign(tx, created.data.id, 'no contact could be found', new Date()),
    );
    const rail = paid.server.services.payments?.rails.find((r) => r.name === 'x402') as X402Rail;
    expect(await rail.reconciler.runOnce()).toBe(1);
    expect((await paid.chain.balanceOf(payer.address)) - balance).toBe(PRICE_ATOMIC);

    const key: string = created.meta.payment.agent_api_key.key;
    const shown = await api(paid.server.url, 'GET', `/payments/${created.meta.payment.payment_id}`, { key });
    expect(shown.body.data).toMatchObject({ status: 'refunded', refund: { state: 'sent' } });
    const { payload } = await verifyOffline(shown.body.data.refund.receipt);
    expect(payload).toMatchObject({
      kind: 'refund',
      rail: 'x402',
      operation: 'campaigns.create',
      amount_minor: PRICE_ATOMIC.toString(),
      currency: 'USDC',
      reference: shown.body.data.refund.reference,
      resource_id: created.data.id,
      payment_id: created.meta.payment.payment_id,
      sub: created.meta.payment.identity_id,
    });
  });
});

describe('key rotation', () => {
  it('keeps the older key published, so receipts it signed still verify', async () => {
    const older = randomBytes(32).toString('hex');
    const newer = randomBytes(32).toString('hex');
    const before = { IRIS_RECEIPT_KEY: older, IRIS_DATA_DIR: 'memory://' };
    const after = { IRIS_RECEIPT_KEY: `${newer},${older}`, IRIS_DATA_DIR: 'memory://' };
    const facts = {
      kind: 'settlement' as const,
      rail: 'x402',
      operation: 'campaigns.create',
      identityId: 'identity',
      amountMinor: 1n,
      currency: 'USDC',
      reference: '0xabc',
      resourceId: null,
      at: new Date(),
    };
    const oldReceipt = await signReceipt(before, 'https://iris.test', facts);
    const newReceipt = await signReceipt(after, 'https://iris.test', facts);
    const rotated = await jwksOf(after);
    expect(rotated.keys).toHaveLength(2);
    const keySet = createLocalJWKSet(rotated);
    const oldVerified = await jwtVerify(oldReceipt, keySet);
    const newVerified = await jwtVerify(newReceipt, keySet);
    expect(oldVerified.protectedHeader.kid).not.toBe(newVerified.protectedHeader.kid);
    expect(newVerified.protectedHeader.kid).toBe(rotated.keys[0]?.kid);
    await expect(jwtVerify(newReceipt, createLocalJWKSet(await jwksOf(before)))).rejects.toThrow();
  });
});
