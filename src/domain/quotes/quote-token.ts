/**
 * Price quotes as compact JWS (EdDSA, the receipt keys): what an operation costs on each rail for one
 * exact request body, valid for five minutes. Sent back as `Iris-Quote` on the paid call, a quote fixes
 * the price of that call; a quote for another body, expired or not signed by us is refused (PAYMENT_009).
 */
import { randomUUID } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import type { Env } from '../../env.ts';
import { ApiError } from '../../errors/api-error.ts';
import { requestHash } from '../../pipeline/idempotency.ts';
import type { Price } from '../pricing.ts';
import { receiptKeyRing } from '../receipts/signing-keys.ts';

export const QUOTE_TYPE = 'iris-quote+jwt';
/** The request header a paid call carries its quote in. */
export const QUOTE_HEADER = 'iris-quote';
export const QUOTE_LIFETIME_SECONDS = 300;

type KeyEnv = Pick<Env, 'IRIS_RECEIPT_KEY' | 'IRIS_DATA_DIR'>;

/** What a quote binds: the operation, a hash of its validated input, and the price on each rail. */
export interface QuoteClaims {
  op: string;
  req: string;
  price: { x402_atomic: string | null; mpp_cents: number; credits: number | null };
}

/** The hash a quote binds a request by: the same one paid calls are matched with. */
export function quotedRequestHash(operationId: string, input: unknown): string {
  return requestHash({ operation: operationId, input });
}

export async function signQuote(
  env: KeyEnv,
  issuer: string,
  claims: QuoteClaims,
  now: Date,
): Promise<{ token: string; expiresAt: Date }> {
  const ring = await receiptKeyRing(env);
  const iat = Math.floor(now.getTime() / 1000);
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: ring.current.kid, typ: QUOTE_TYPE })
    .setIssuer(issuer)
    .setIssuedAt(iat)
    .setExpirationTime(iat + QUOTE_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(ring.current.privateKey);
  return { token, expiresAt: new Date((iat + QUOTE_LIFETIME_SECONDS) * 1000) };
}

const refused = (why: string) =>
  new ApiError('PAYMENT_009', `invalid quote: ${why}; ask POST /campaigns/quote for a new one`);

function isQuoteClaims(value: Record<string, unknown>): value is Record<string, unknown> & QuoteClaims {
  const price = value.price as Record<string, unknown> | undefined;
  return (
    typeof value.op === 'string' &&
    typeof value.req === 'string' &&
    typeof price === 'object' &&
    price !== null &&
    typeof price.mpp_cents === 'number' &&
    (price.x402_atomic === null || typeof price.x402_atomic === 'string') &&
    (price.credits === null || typeof price.credits === 'number')
  );
}

/**
 * The price a quote fixes for this call; throws PAYMENT_009 when the quote is malformed, not ours,
 * expired, or for another operation or body.
 */
export async function priceOfQuote(
  env: KeyEnv,
  token: string,
  call: { operationId: string; input: unknown; now: Date; description: string },
): Promise<{ price: Price; credits: number | null }> {
  const ring = await receiptKeyRing(env);
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw refused('not a compact JWS');
  }
  const key = ring.all.find((candidate) => candidate.kid === kid);
  if (!key) throw refused('signed with a key this server does not hold');
  let payload: Record<string, unknown>;
  try {
    // The signature first, so a tampered quote is told apart from an expired one.
    await compactVerify(token, key.publicKey, { algorithms: ['EdDSA'] });
    ({ payload } = await jwtVerify(token, key.publicKey, {
      algorithms: ['EdDSA'],
      typ: QUOTE_TYPE,
      currentDate: call.now,
      clockTolerance: 0,
    }));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_JWT_EXPIRED') throw refused('it expired');
    throw refused('its signature does not verify');
  }
  if (!isQuoteClaims(payload)) throw refused('it lacks the quoted price');
  if (payload.op !== call.operationId) throw refused(`it is for ${payload.op}, not ${call.operationId}`);
  if (payload.req !== quotedRequestHash(call.operationId, call.input)) {
    throw refused('it was issued for another request body');
  }
  return {
    price: {
      ...(payload.price.x402_atomic === null ? {} : { x402Atomic: BigInt(payload.price.x402_atomic) }),
      mppCents: payload.price.mpp_cents,
      description: call.description,
    },
    credits: payload.price.credits,
  };
}
