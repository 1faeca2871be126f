/**
 * The gateway's 402: assembled once per operation and answered from memory while every part is valid;
 * a part that expires (an MPP challenge) makes the whole challenge be rebuilt shortly before it does.
 * Rails here are minimal PaymentRail objects counting how often they are asked for their part.
 */
import { describe, expect, it } from 'vitest';
import { createPaymentGateway } from '../../payments/gateway/gateway.ts';
import type { ChallengePart, PaymentRail } from '../../payments/gateway/rail.ts';
import { operations } from '../../src/operations/registry.ts';

const create = operations.find((operation) => operation.id === 'campaigns.create');
if (!create) throw new Error('campaigns.create is not registered');

function rail(name: 'x402' | 'mpp', part: () => ChallengePart) {
  const counted = { asked: 0 };
  const value: PaymentRail = {
    name,
    supports: () => true,
    challenge: async () => {
      counted.asked += 1;
      return part();
    },
    carries: () => false,
    pay: () => Promise.reject(new Error('not here')),
    close: async () => undefined,
  };
  return Object.assign(counted, { value });
}

describe('payment gateway challenge', () => {
  it('builds a challenge of lasting parts once, one with an expiring part before it expires', async () => {
    const lasting = rail('x402', () => ({
      headers: { 'PAYMENT-REQUIRED': 'x' },
      body: { x402: { amount: '2.25' } },
      offer: '$2.25 USDC (x402)',
    }));
    let expiresAt = Date.now() + 10 * 60_000;
    const expiring = rail('mpp', () => ({
      headers: { 'WWW-Authenticate': `Payment expires=${expiresAt}` },
      body: { mpp: { price_cents: 240 } },
      offer: '$2.40 (MPP)',
      validUntilMs: expiresAt,
    }));

    const onlyLasting = createPaymentGateway([lasting.value], operations);
    const first = await onlyLasting.paymentRequired(create);
    expect(await onlyLasting.paymentRequired(create)).toBe(first);
    expect(lasting.asked).toBe(1);
    expect(first.message).toBe('payment required: $2.25 USDC (x402)');
    expect(first.headers).toEqual({ 'Cache-Control': 'no-store', 'PAYMENT-REQUIRED': 'x' });

    const both = createPaymentGateway([lasting.value, expiring.value], operations);
    const fresh = await both.paymentRequired(create);
    expect(await both.paymentRequired(create)).toBe(fresh);
    expect(expiring.asked).toBe(1);
    expect(fresh.extra).toEqual({ x402: { amount: '2.25' }, mpp: { price_cents: 240 } });

    // Within a minute of its expiry the part is no longer handed out: the challenge is rebuilt.
    expiresAt = Date.now() + 30_000;
    const nearly = createPaymentGateway([expiring.value], operations);
    const a = await nearly.paymentRequired(create);
    const b = await nearly.paymentRequired(create);
    expect(b).not.toBe(a);
    expect(expiring.asked).toBe(3);
  });

  it('keeps other codes and messages apart from the default challenge', async () => {
    const lasting = rail('x402', () => ({ headers: {}, body: {}, offer: 'x402' }));
    const gateway = createPaymentGateway([lasting.value], operations);
    const required = await gateway.paymentRequired(create);
    const noCredit = await gateway.paymentRequired(create, 'PAYMENT_005', 'no credits left');
    expect(noCredit).not.toBe(required);
    expect([noCredit.code, noCredit.message]).toEqual(['PAYMENT_005', 'no credits left']);
    expect(await gateway.paymentRequired(create, 'PAYMENT_005', 'no credits left')).toBe(noCredit);
  });
});
