/**
 * What the x402 rail adds to the wire surfaces (see RailWire): its headers, OpenAPI scheme and answers,
 * llms.txt section, and the `_meta` keys MCP clients of x402 use. Loads no payment library.
 */
import type { HeaderLookup, PaymentFacts, RailWire } from '../../src/services.ts';
import { decodeBase64Json, encodeBase64Json } from '../../src/wire/base64-json.ts';

/** Where x402 MCP clients put the PaymentPayload (the second is an older spelling). */
export const X402_PAYMENT_KEYS = ['x402/payment', 'x402.payment'] as const;

/**
 * Where an MCP client puts a wallet's sign-in: the SIGN-IN-WITH-X header's value (base64 JSON), or the
 * signed SIWX payload itself. A tool call has no headers of its own.
 */
export const SIWX_META_KEY = 'x402/sign-in-with-x';

/** x402 settles after what is bought is committed: it sells only what can wait for its payment. */
const accepts = (operation: PaymentFacts) =>
  operation.payment?.price.x402Atomic !== undefined && operation.payment.deferred !== undefined;

/** PAYMENT-SIGNATURE carries base64 JSON; a base64 string is passed on unchanged. */
function signatureHeader(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    if (trimmed === '') return undefined;
    return trimmed.startsWith('{') ? Buffer.from(trimmed, 'utf8').toString('base64') : trimmed;
  }
  if (value !== null && typeof value === 'object') return encodeBase64Json(value);
  return undefined;
}

function receipts(header: HeaderLookup): Record<string, unknown> {
  const settle = decodeBase64Json(header('payment-response') ?? header('x-payment-response'));
  return settle ? { 'x402/payment-response': settle } : {};
}

export const x402Wire: RailWire = {
  name: 'x402',
  // SIGN-IN-WITH-X: a wallet's sign-in (siwx.ts), sent cross-origin like the payment headers.
  requestHeaders: ['X-PAYMENT', 'PAYMENT-SIGNATURE', 'SIGN-IN-WITH-X'],
  responseHeaders: ['PAYMENT-REQUIRED', 'PAYMENT-RESPONSE', 'X-PAYMENT-RESPONSE'],
  openapi: {
    securityScheme: {
      type: 'apiKey',
      in: 'header',
      name: 'X-PAYMENT',
      description:
        'x402 payment (USDC on Base, scheme exact): a base64 PaymentPayload in PAYMENT-SIGNATURE (v2) or X-PAYMENT (v1 and v2). Call without it to get the 402 challenge.',
    },
    accepts,
    errorCodes: (operation) => (accepts(operation) ? ['PAYMENT_002', 'PAYMENT_004', 'SERVER_009'] : []),
    successHeaders: {
      'PAYMENT-RESPONSE': {
        description: 'base64 x402 SettleResponse (also sent as X-PAYMENT-RESPONSE) when paid with x402',
        schema: { type: 'string' },
      },
    },
    responses: (operation) =>
      accepts(operation)
        ? {
            '202': {
              description:
                'paid by x402 but the settlement is still pending: what was bought waits for it; resend the same request for the result',
              headers: { 'PAYMENT-RESPONSE': { schema: { type: 'string' } } },
            },
          }
        : {},
  },
  llms: [
    '## Paying as an agent (x402, USDC on Base)',
    '',
    '- Agents need no account. On a server with x402 enabled, `POST /campaigns` without a key answers 402 PAYMENT_001:',
    '  header PAYMENT-REQUIRED carries the base64 x402 v2 offer (scheme exact, network eip155:8453, amount 2250000 =',
    '  $2.25 USDC, payTo, the token EIP-712 domain in extra); the body repeats it readably under `x402`.',
    '- Sign an EIP-3009 TransferWithAuthorization for exactly that amount to payTo and resend the same request with',
    '  PAYMENT-SIGNATURE (x402 v2) or X-PAYMENT (v1 or v2). The @x402/fetch client does this (raise its spend cap to $2.25+).',
    '- 201: the campaign, already active; PAYMENT-RESPONSE and X-PAYMENT-RESPONSE hold the settlement transaction.',
    "  `meta.payment` names payer, transaction and identity_id; on a wallet's first payment it also holds",
    '  `agent_api_key`. Keep that key: as a Bearer key it reads and manages the campaigns this wallet paid for (scopes',
    '  read and write) and nothing else. Each new campaign is still paid for.',
    '- Resending the same signed payment returns the first answer (Idempotent-Replayed: true) and never charges again;',
    '  with an Idempotency-Key, even a freshly signed retry gets the first answer. A payment is settled at most once.',
    '- 202: settlement still pending - resend the same request in a few seconds. 402 PAYMENT_002: refused, nothing',
    '  charged; `x402.error` gives the reason (e.g. invalid_exact_evm_insufficient_balance). 409 SERVER_016: that',
    '  payment is being processed (Retry-After). 500 PAYMENT_004: money moved but the campaign could not be made; the',
    '  refund is recorded (and sent when the server has a refund wallet). 503 SERVER_009: the chain is unreachable.',
  ],
  mcp: {
    howToPay:
      'x402: the first call returns the x402 PaymentRequired; retry with the signed PaymentPayload in _meta["x402/payment"]. ' +
      'A wallet that paid signs in (SIWX, the message the PaymentRequired declares) with its signed payload in _meta["x402/sign-in-with-x"].',
    async headersFromMeta(meta): Promise<Record<string, string>> {
      const headers: Record<string, string> = {};
      // Same encoding rules as the payment: a base64 string as is, JSON text or an object encoded.
      const signIn = signatureHeader(meta[SIWX_META_KEY]);
      if (signIn !== undefined) headers['sign-in-with-x'] = signIn;
      for (const key of X402_PAYMENT_KEYS) {
        const header = signatureHeader(meta[key]);
        if (header !== undefined) return { ...headers, 'payment-signature': header };
      }
      return headers;
    },
    receipts,
    // The PaymentRequired object itself (x402Version, error, resource, accepts) is merged into the
    // error result, where x402 MCP clients look for it first.
    async challenge(header, _status, message) {
      const required = decodeBase64Json(header('payment-required'));
      const structured = required
        ? { ...required, error: typeof required.error === 'string' ? required.error : message }
        : {};
      return { structured, meta: {} };
    },
  },
};
