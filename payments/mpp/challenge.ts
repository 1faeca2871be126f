/**
 * The MPP side of a 402: a `WWW-Authenticate: Payment …` challenge made by mppx (HMAC-bound to this
 * server, scoped to the operation, expiring), with the reference's hint parameters, and the `mpp` and
 * `credits` body objects of the iris reference.
 */
import { Challenge } from 'mppx';
import { PACKS } from '../../src/domain/credits/packs.ts';
import { formatCents, type Price } from '../../src/domain/pricing.ts';
import type { Operation, PayableOperation } from '../../src/operations/define-operation.ts';
import type { ChallengePart } from '../gateway/rail.ts';
import type { MppxServer } from './config.ts';

export function scopeOf(operation: Operation): string {
  return `${operation.method} ${operation.path}`;
}

export function creditsOffer() {
  return {
    purchase_endpoint: 'POST /agent/credits',
    packs: Object.values(PACKS).map((pack) => ({
      id: pack.id,
      credits: pack.credits,
      price_usd: formatCents(pack.priceCents),
    })),
  };
}

export async function mppChallenge(
  mppx: MppxServer,
  operation: PayableOperation,
  price: Price,
): Promise<ChallengePart> {
  const challenge = await mppx.challenge.stripe.charge({
    amount: formatCents(price.mppCents),
    description: price.description,
    scope: scopeOf(operation),
  });
  const header = `${Challenge.serialize(challenge)}, challenge_id="${challenge.id}", price_cents=${price.mppCents}`;
  return {
    headers: { 'WWW-Authenticate': header },
    body: {
      mpp: {
        version: 1,
        method: 'stripe',
        intent: 'charge',
        currency: 'usd',
        amount_cents: price.mppCents,
        resource: scopeOf(operation),
        challenge_id: challenge.id,
        expires: challenge.expires,
      },
      // Where credits may pay, the challenge says how to buy them.
      ...(operation.payment.credits === undefined ? {} : { credits: creditsOffer() }),
    },
    offer: `$${formatCents(price.mppCents)} via Stripe (MPP)`,
    validUntilMs: Date.parse(String(challenge.expires)),
  };
}
