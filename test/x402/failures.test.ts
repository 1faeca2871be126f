/**
 * Every way a payment can be wrong gives its own reason (402 PAYMENT_002 with the x402 reason in the
 * header and body) and leaves nothing behind: no campaign, no reservation, no money moved. An
 * unreachable chain is 503, never a free campaign.
 */
import { randomBytes } from 'node:crypto';
import { decodePaymentRequiredHeader } from '@x402/core/http';
import { count } from 'drizzle-orm';
import type { Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { x402Authorizations } from '../../db/schema-payments.ts';
import { api } from '../helpers/api.ts';
import {
  type AuthorizationFields,
  type PaidServer,
  signAuthorization,
  startPaidServer,
  v1Header,
  v2Header,
} from '../helpers/paid-server.ts';
import { startTestServer } from '../helpers/test-server.ts';

let paid: PaidServer;
let ip = 0;
beforeAll(async () => {
  paid = await startPaidServer();
});
afterAll(() => paid?.close());

const body = { name: 'should not exist', objective_type: 'product_promotion' };
const post = (headers: Record<string, string>) =>
  api(paid.server.url, 'POST', '/campaigns', {
    headers: { ...headers, 'x-forwarded-for': `10.1.0.${++ip}` },
    body,
  });

/**
 * What a refused payment must leave as it was. Settling is prepared while the payment is verified, so
 * the settler's transaction count (pending ones included) shows that nothing was broadcast either;
 * it is read a moment after the answer, for a send that would only follow it.
 */
async function counts() {
  const db = paid.server.services.db;
  await new Promise((resolve) => setTimeout(resolve, 100));
  const [c] = await db.select({ n: count() }).from(campaigns);
  const [a] = await db.select({ n: count() }).from(x402Authorizations);
  const sent = await paid.chain.publicClient.getTransactionCount({
    address: paid.settler,
    blockTag: 'pending',
  });
  return {
    campaigns: c?.n,
    authorizations: a?.n,
    payTo: await paid.chain.balanceOf(paid.payTo),
    settlerTransactions: sent,
  };
}

function expectReason(response: Awaited<ReturnType<typeof post>>, reason: string) {
  expect(response.status, response.text).toBe(402);
  expect(response.body.error.code).toBe('PAYMENT_002');
  expect(response.body.error.message).toContain(reason);
  expect(response.body.x402.error).toBe(reason);
  const required = decodePaymentRequiredHeader(response.headers.get('payment-required') ?? '');
  expect(required.error).toBe(reason);
  expect(required.accepts).toHaveLength(1);
}

describe('invalid payments', () => {
  const now = BigInt(Math.floor(Date.now() / 1000));
  const cases: [string, (to: Hex) => AuthorizationFields, string][] = [
    [
      'expired',
      (to) => ({ to, validBefore: now - 10n }),
      'invalid_exact_evm_payload_authorization_valid_before',
    ],
    [
      'not yet valid',
      (to) => ({ to, validAfter: now + 600n }),
      'invalid_exact_evm_payload_authorization_valid_after',
    ],
    [
      'wrong amount',
      (to) => ({ to, value: 1_000_000n }),
      'invalid_exact_evm_payload_authorization_value_mismatch',
    ],
    [
      'overpaid',
      (to) => ({ to, value: 3_000_000n }),
      'invalid_exact_evm_payload_authorization_value_mismatch',
    ],
    [
      'wrong recipient',
      () => ({ to: privateKeyToAccount(generatePrivateKey()).address }),
      'invalid_exact_evm_recipient_mismatch',
    ],
    ['wrong chain', (to) => ({ to, chainId: 84532 }), 'invalid_exact_evm_signature'],
    ['wrong domain', (to) => ({ to, domainName: 'USDC' }), 'invalid_exact_evm_signature'],
  ];

  it.each(cases)('%s: its own reason, nothing created, nothing moved', async (_name, fields, reason) => {
    const payer = await paid.newPayer();
    const before = await counts();
    const response = await post({
      'x-payment': v1Header(await signAuthorization(payer.account, fields(paid.payTo))),
    });
    expectReason(response, reason);
    expect(await counts()).toEqual(before);
    expect(await paid.chain.balanceOf(payer.address)).toBe(10_000_000n);
  });

  it('a signature by someone else: invalid_exact_evm_signature', async () => {
    const payer = await paid.newPayer();
    const forger = privateKeyToAccount(generatePrivateKey());
    const signed = await signAuthorization(forger, { to: paid.payTo });
    const forged = { ...signed, authorization: { ...signed.authorization, from: payer.address } };
    const before = await counts();
    expectReason(await post({ 'x-payment': v1Header(forged) }), 'invalid_exact_evm_signature');
    expect(await counts()).toEqual(before);
  });

  it('a payer without the funds: invalid_exact_evm_insufficient_balance', async () => {
    const payer = await paid.newPayer(1_000_000n);
    const before = await counts();
    const response = await post({
      'x-payment': v1Header(await signAuthorization(payer.account, { to: paid.payTo })),
    });
    expectReason(response, 'invalid_exact_evm_insufficient_balance');
    expect(await counts()).toEqual(before);
  });

  it('malformed headers and other networks', async () => {
    const payer = await paid.newPayer();
    const signed = await signAuthorization(payer.account, { to: paid.payTo });
    expectReason(await post({ 'x-payment': 'not base64 json' }), 'invalid_payload');
    expectReason(
      await post({ 'payment-signature': Buffer.from('{"x402Version":2}').toString('base64') }),
      'invalid_payload',
    );
    expectReason(await post({ 'x-payment': v1Header(signed, 'base-sepolia') }), 'invalid_network');
    expectReason(
      await post({ 'payment-signature': v2Header(signed, { scheme: 'exact', network: 'eip155:1' }) }),
      'invalid_network',
    );
    expectReason(
      await post({ 'payment-signature': v2Header(signed, { scheme: 'upto', network: 'eip155:8453' }) }),
      'unsupported_scheme',
    );
  });

  it('accepts v2 payloads under PAYMENT-SIGNATURE and under the old X-PAYMENT name', async () => {
    for (const header of ['payment-signature', 'x-payment']) {
      const payer = await paid.newPayer();
      const signed = await signAuthorization(payer.account, { to: paid.payTo });
      const response = await post({
        [header]: v2Header(signed, { scheme: 'exact', network: 'eip155:8453' }),
      });
      expect(response.status, response.text).toBe(201);
    }
  });
});

describe('an unreachable chain', () => {
  it('answers 503 SERVER_009 and creates nothing', async () => {
    const server = await startTestServer({
      X402_PAY_TO: paid.payTo,
      X402_SETTLER_PRIVATE_KEY: `0x${randomBytes(32).toString('hex')}`,
      X402_RPC_URL: 'http://127.0.0.1:9', // discard port: nothing listens
    });
    try {
      const payer = await paid.newPayer();
      const response = await api(server.url, 'POST', '/campaigns', {
        headers: { 'x-payment': v1Header(await signAuthorization(payer.account, { to: paid.payTo })) },
        body,
      });
      expect(response.status, response.text).toBe(503);
      expect(response.body.error.code).toBe('SERVER_009');
      const [c] = await server.services.db.select({ n: count() }).from(campaigns);
      expect(c?.n).toBe(0);
      const [a] = await server.services.db.select({ n: count() }).from(x402Authorizations);
      expect(a?.n).toBe(0);
    } finally {
      await server.close();
    }
  });
});
