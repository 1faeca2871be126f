/**
 * What a tool call's `_meta` adds to the operation request: each payment rail maps its own keys to its
 * credential headers (x402's `x402/payment` becomes PAYMENT-SIGNATURE, an MPP credential an
 * `Authorization: Payment` header), and `iris/idempotency-key` becomes the Idempotency-Key header.
 * Shared by the remote and the stdio server.
 */
import type { RailWire } from '../src/services.ts';

export const IDEMPOTENCY_KEY = 'iris/idempotency-key';

export type CallMeta = Record<string, unknown> | undefined;

/**
 * Request headers (lower-case names) for what `_meta` carries. `hasBearer`: the caller already sends
 * `Authorization: Bearer`, so a rail's credential cannot take that header.
 */
export async function headersFromMeta(
  meta: CallMeta,
  hasBearer: boolean,
  rails: readonly RailWire[],
): Promise<Record<string, string>> {
  if (!meta) return {};
  const headers: Record<string, string> = {};
  for (const rail of rails) Object.assign(headers, await rail.mcp.headersFromMeta(meta, hasBearer));
  const idempotencyKey = meta[IDEMPOTENCY_KEY];
  if (typeof idempotencyKey === 'string') headers['idempotency-key'] = idempotencyKey;
  return headers;
}
