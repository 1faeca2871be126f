/**
 * What a tool call's `_meta` adds to the operation request: an x402 PaymentPayload (`x402/payment`, also
 * `x402.payment`, as an object, JSON or base64) becomes PAYMENT-SIGNATURE, an MPP credential
 * (`org.paymentauth/credential`) an `Authorization: Payment` header, and `iris/idempotency-key` the
 * Idempotency-Key header. Shared by the remote and the stdio server.
 */
import type { Credential } from 'mppx';
import { serializeCredential } from './mpp-wire.ts';

export const X402_PAYMENT_KEYS = ['x402/payment', 'x402.payment'] as const;
export const MPP_CREDENTIAL_KEY = 'org.paymentauth/credential';
export const IDEMPOTENCY_KEY = 'iris/idempotency-key';

export type CallMeta = Record<string, unknown> | undefined;

function base64Json(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
}

/** PAYMENT-SIGNATURE carries base64 JSON; a base64 string is passed on unchanged. */
function x402Header(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === '') return undefined;
    return trimmed.startsWith('{') ? Buffer.from(trimmed, 'utf8').toString('base64') : trimmed;
  }
  if (value !== null && typeof value === 'object') return base64Json(value);
  return undefined;
}

/**
 * The credential of `Authorization: Payment <credential>`: a string is taken as that wire form; an
 * object (what mppx's MCP client sends: the challenge with its request decoded) is serialized by mppx,
 * which re-encodes the request canonically so the challenge's HMAC still verifies.
 */
async function mppCredential(value: unknown): Promise<string | undefined> {
  if (typeof value === 'string') {
    const credential = value.trim().replace(/^Payment\s+/i, '');
    return credential === '' ? undefined : credential;
  }
  if (value === null || typeof value !== 'object' || !('challenge' in value) || !('payload' in value)) {
    return undefined;
  }
  try {
    return (await serializeCredential(value as Credential.Credential)).replace(/^Payment\s+/i, '');
  } catch {
    return undefined;
  }
}

/**
 * Request headers (lower-case names) for the credentials in `_meta`. `hasBearer`: the caller already
 * sends `Authorization: Bearer`, so an MPP credential goes in `Payment-Authorization` instead.
 */
export async function headersFromMeta(meta: CallMeta, hasBearer: boolean): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  if (!meta) return headers;
  for (const key of X402_PAYMENT_KEYS) {
    const header = x402Header(meta[key]);
    if (header !== undefined) {
      headers['payment-signature'] = header;
      break;
    }
  }
  const credential = await mppCredential(meta[MPP_CREDENTIAL_KEY]);
  if (credential !== undefined) {
    headers[hasBearer ? 'payment-authorization' : 'authorization'] = `Payment ${credential}`;
  }
  const idempotencyKey = meta[IDEMPOTENCY_KEY];
  if (typeof idempotencyKey === 'string') headers['idempotency-key'] = idempotencyKey;
  return headers;
}
