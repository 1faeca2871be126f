/**
 * What a delivery looks like on the wire: the signing secret's form, the envelope of the reference
 * (`{id, event, timestamp, created_at, data}`) and the headers. Two signatures travel together:
 *
 * - `X-Iris-Signature`: hex HMAC-SHA256 of `${X-Iris-Timestamp}.${body}`, keyed with the secret as the
 *   receiver holds it (the reference's sample receiver);
 * - the Standard Webhooks headers (`webhook-id`, `webhook-timestamp`, `webhook-signature`), keyed with the
 *   bytes the secret's base64 part encodes, so the `standardwebhooks` libraries verify them with the same
 *   secret string.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
export const USER_AGENT = 'Iris-Webhooks/1.0';

/** A new signing secret: `whsec_` and 32 random bytes in base64. */
export function newSigningSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`;
}

/** The reference's signature: hex HMAC-SHA256 of `${timestamp}.${body}`. */
export function irisSignature(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
}

/** The Standard Webhooks signature header value: `v1,<base64 HMAC of id.timestamp.body>`. */
export function standardSignature(
  secret: string,
  messageId: string,
  timestampSeconds: number,
  body: string,
): string {
  const key = Buffer.from(
    secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret,
    'base64',
  );
  const mac = createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** `evt_` and the uuid's hex digits. */
export function publicEventId(uuid: string): string {
  return `evt_${uuid.replaceAll('-', '')}`;
}

export interface Envelope {
  id: string;
  event: string;
  /** When the event happened. */
  timestamp: string;
  /** When the delivery record was made. */
  created_at: string;
  data: unknown;
}

/** The headers of one attempt; `deliveryId` is the same on every attempt of a delivery. */
export function deliveryHeaders(
  secret: string,
  deliveryId: string,
  sentAt: Date,
  body: string,
): Record<string, string> {
  const timestamp = Math.floor(sentAt.getTime() / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'x-iris-signature': irisSignature(secret, timestamp, body),
    'x-iris-timestamp': String(timestamp),
    'x-iris-delivery': deliveryId,
    'webhook-id': deliveryId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': standardSignature(secret, deliveryId, timestamp, body),
  };
}
