/**
 * The x402 payment-identifier extension: declared in the 402 challenge; a stock @x402/fetch client that
 * names its payment and re-signs the same request after a lost answer gets the first answer and pays
 * once on the chain; the same name with another body is 409 SERVER_016; a malformed name is refused.
 */
import { randomBytes } from 'node:crypto';
import { x402Client } from '@x402/core/client';
import { decodePaymentRequiredHeader } from '@x402/core/http';
import type { PaymentPayload } from '@x402/core/types';
import { toClientEvmSigner } from '@x402/evm';
import { registerExactEvmScheme } from '@x402/evm/exact/client';
import { appendPaymentIdentifierToExtensions, PAYMENT_IDENTIFIER } from '@x402/extensions/payment-identifier';
import { wrapFetchWithPayment } from '@x402/fetch';
import type { PrivateKeyAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, jsonOf } from '../helpers/api.ts';
import { type PaidServer, PRICE_ATOMIC, startPaidServer } from '../helpers/paid-server.ts';

const body = { name: 'named payment', objective_type: 'product_promotion', outreach_channels: ['email'] };

let paid: PaidServer;
let ip = 0;
beforeAll(async () => {
  paid = await startPaidServer();
});
afterAll(() => paid?.close());

/** The stock client, naming every payment it makes `paymentId` (a fresh signature each time). */
function namedFetch(account: PrivateKeyAccount, paymentId: string): typeof fetch {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: toClientEvmSigner(account, paid.chain.publicClient) });
  client.setSpendControls({ maxAmountPerPayment: '$5' });
  client.registerExtension({
    key: PAYMENT_IDENTIFIER,
    enrichPaymentPayload: async (payload: PaymentPayload) => ({
      ...payload,
      extensions: appendPaymentIdentifierToExtensions(structuredClone(payload.extensions ?? {}), paymentId),
    }),
  });
  return wrapFetchWithPayment(fetch, client);
}

/** The stock client, sending `extension` as its payment-identifier extension, whatever it holds. */
function fetchWithExtension(account: PrivateKeyAccount, extension: unknown): typeof fetch {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: toClientEvmSigner(account, paid.chain.publicClient) });
  client.setSpendControls({ maxAmountPerPayment: '$5' });
  client.registerExtension({
    key: PAYMENT_IDENTIFIER,
    enrichPaymentPayload: async (payload: PaymentPayload) => ({
      ...payload,
      extensions: { ...payload.extensions, [PAYMENT_IDENTIFIER]: extension },
    }),
  });
  return wrapFetchWithPayment(fetch, client);
}

function post(pay: typeof fetch, payload: unknown = body) {
  return pay(`${paid.server.url}/campaigns`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.6.0.${++ip}` },
    body: JSON.stringify(payload),
  });
}

describe('payment-identifier', () => {
  it('is declared in the 402 challenge', async () => {
    const response = await api(paid.server.url, 'POST', '/campaigns', { body });
    const required = decodePaymentRequiredHeader(response.headers.get('payment-required') ?? '');
    expect(required.extensions?.[PAYMENT_IDENTIFIER]).toMatchObject({ info: { required: false } });
  });

  it('a re-signed retry under the same name gets the first answer and one transfer', async () => {
    const payer = await paid.newPayer();
    const paymentId = `pay_${randomBytes(12).toString('hex')}`;
    const before = await paid.chain.balanceOf(payer.address);
    const first = await post(namedFetch(payer.account, paymentId));
    const firstBody = await jsonOf(first);
    expect(first.status, JSON.stringify(firstBody)).toBe(201);
    // The answer is lost: the agent signs afresh (a new nonce) and sends the same request again.
    const retry = await post(namedFetch(payer.account, paymentId));
    const retryBody = await jsonOf(retry);
    expect(retry.status, JSON.stringify(retryBody)).toBe(201);
    expect(retryBody.data.id).toBe(firstBody.data.id);
    expect(retryBody.meta.payment.transaction).toBe(firstBody.meta.payment.transaction);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(before - (await paid.chain.balanceOf(payer.address))).toBe(PRICE_ATOMIC);

    const other = await post(namedFetch(payer.account, paymentId), { ...body, name: 'another campaign' });
    const otherBody = await jsonOf(other);
    expect(other.status).toBe(409);
    expect(otherBody.error.code).toBe('SERVER_016');
    expect(before - (await paid.chain.balanceOf(payer.address))).toBe(PRICE_ATOMIC);
  });

  it('judges a name by the extension rules, never by a schema the client sends along', async () => {
    const payer = await paid.newPayer();
    const paymentId = `pay_${randomBytes(12).toString('hex')}`;
    // A schema no info could satisfy: compiled and applied, it would refuse the payment.
    const extension = { info: { required: false, id: paymentId }, schema: { not: {} } };
    const response = await post(fetchWithExtension(payer.account, extension));
    expect(response.status, JSON.stringify(await jsonOf(response))).toBe(201);
    const retry = await post(namedFetch(payer.account, paymentId));
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('two different names pay twice', async () => {
    const payer = await paid.newPayer();
    const before = await paid.chain.balanceOf(payer.address);
    const a = await post(namedFetch(payer.account, `pay_${randomBytes(12).toString('hex')}`));
    const b = await post(namedFetch(payer.account, `pay_${randomBytes(12).toString('hex')}`));
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(before - (await paid.chain.balanceOf(payer.address))).toBe(2n * PRICE_ATOMIC);
  });

  it('refuses a malformed name before any money moves', async () => {
    const payer = await paid.newPayer();
    const before = await paid.chain.balanceOf(payer.address);
    const response = await post(
      fetchWithExtension(payer.account, { info: { required: false, id: 'short' } }),
    );
    const refused = await jsonOf(response);
    expect(response.status).toBe(402);
    expect(refused.error.code).toBe('PAYMENT_002');
    expect(refused.error.message).toContain('invalid_payment_identifier');
    expect(await paid.chain.balanceOf(payer.address)).toBe(before);
  });
});
