/**
 * Reads an x402 payment from PAYMENT-SIGNATURE (v2) or X-PAYMENT (v1, or v2 under the old name) and
 * normalises it to a v2 PaymentPayload. Malformed input is a reason string, never an exception.
 */
import type { PaymentPayload } from '@x402/core/types';
import { z } from 'zod';
import type { X402Network } from './config.ts';
import { REASON } from './reasons.ts';

const Hex = (bytes: number) => z.string().regex(new RegExp(`^0x[0-9a-fA-F]{${bytes * 2}}$`));
const Uint = z.string().regex(/^\d{1,78}$/, 'decimal string');

const ExactEvmPayload = z.object({
  signature: z.string().regex(/^0x[0-9a-fA-F]+$/),
  authorization: z.object({
    from: Hex(20),
    to: Hex(20),
    value: Uint,
    validAfter: Uint,
    validBefore: Uint,
    nonce: Hex(32),
  }),
});
export type ExactEvmPayload = z.infer<typeof ExactEvmPayload>;

const V2 = z.object({
  x402Version: z.literal(2),
  resource: z.object({ url: z.string() }).loose().optional(),
  accepted: z.object({ scheme: z.string(), network: z.string() }).loose(),
  payload: ExactEvmPayload,
  /** Extension echoes (payment-identifier); checked by their own helpers. */
  extensions: z.record(z.string(), z.unknown()).optional(),
});

const V1 = z.object({
  x402Version: z.literal(1),
  scheme: z.string(),
  network: z.string(),
  payload: ExactEvmPayload,
});

export type DecodedPayment =
  | { ok: true; version: 1 | 2; payload: PaymentPayload; exact: ExactEvmPayload }
  | { ok: false; reason: string };

/** The raw credential of a request, preferring the v2 header. */
export function paymentHeaderOf(header: (name: string) => string | undefined): string | undefined {
  return header('payment-signature') ?? header('x-payment');
}

function parseJson(value: string): unknown {
  const trimmed = value.trim();
  const text = trimmed.startsWith('{') ? trimmed : Buffer.from(trimmed, 'base64').toString('utf8');
  return JSON.parse(text);
}

export function decodePayment(value: string, network: X402Network): DecodedPayment {
  let json: unknown;
  try {
    json = parseJson(value);
  } catch {
    return { ok: false, reason: REASON.invalidPayload };
  }
  const v2 = V2.safeParse(json);
  if (v2.success) {
    if (v2.data.accepted.scheme !== 'exact') return { ok: false, reason: REASON.unsupportedScheme };
    if (v2.data.accepted.network !== network.id) return { ok: false, reason: REASON.invalidNetwork };
    return { ok: true, version: 2, payload: v2.data as unknown as PaymentPayload, exact: v2.data.payload };
  }
  const v1 = V1.safeParse(json);
  if (v1.success) {
    if (v1.data.scheme !== 'exact') return { ok: false, reason: REASON.unsupportedScheme };
    if (v1.data.network !== network.v1Name && v1.data.network !== network.id) {
      return { ok: false, reason: REASON.invalidNetwork };
    }
    const payload = {
      x402Version: 2,
      accepted: { scheme: 'exact', network: network.id },
      payload: v1.data.payload,
    } as unknown as PaymentPayload;
    return { ok: true, version: 1, payload, exact: v1.data.payload };
  }
  return { ok: false, reason: REASON.invalidPayload };
}
