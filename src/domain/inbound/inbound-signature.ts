/**
 * What authenticates a delivery to POST /inbound/email and /inbound/:channel: the sender (a mail relay,
 * a DM platform bridge) shares INBOUND_SECRET with iris and sends two headers,
 *
 *   X-Iris-Timestamp: <Unix seconds>
 *   X-Iris-Signature: sha256=<hex HMAC-SHA256(INBOUND_SECRET, "<timestamp>.<raw body>")>
 *
 * the same scheme iris signs its own webhooks with. A timestamp more than five minutes away from the
 * server's clock is refused, so a captured delivery cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const INBOUND_TOLERANCE_SECONDS = 300;

/** The signature header's value for `body` sent at `timestamp` (senders and tests compute it the same way). */
export function inboundSignature(secret: string, timestamp: string, body: Buffer | string): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${timestamp}.`);
  hmac.update(body);
  return `sha256=${hmac.digest('hex')}`;
}

/** Why a delivery is refused, or undefined when its signature holds. */
export function inboundSignatureProblem(
  secret: string | undefined,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: Buffer,
  now: Date,
): string | undefined {
  if (!secret) return 'inbound deliveries are off: INBOUND_SECRET is not set';
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) return 'X-Iris-Timestamp and X-Iris-Signature are required';
  if (!/^\d{1,12}$/.test(timestamp)) return 'X-Iris-Timestamp must be Unix seconds';
  if (Math.abs(Number(timestamp) - now.getTime() / 1000) > INBOUND_TOLERANCE_SECONDS) {
    return 'X-Iris-Timestamp is more than five minutes away from the server clock';
  }
  const expected = Buffer.from(inboundSignature(secret, timestamp, body));
  const given = Buffer.from(signature.trim());
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return 'X-Iris-Signature does not match the body';
  }
  return undefined;
}
