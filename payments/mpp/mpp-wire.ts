/**
 * What the MPP rail adds to the wire surfaces (see RailWire): its headers, OpenAPI scheme and answers,
 * llms.txt section, and how mppx's MCP client carries credentials, receipts and challenges in `_meta`.
 * mppx itself (viem and several hundred modules) loads only when a tool call carries a credential
 * object or an answer carries a Payment challenge.
 */
import type { Challenge, Credential } from 'mppx';
import type { ErrorCode } from '../../src/errors/catalogue.ts';
import type { HeaderLookup, RailWire } from '../../src/services.ts';
import { decodeBase64Json } from '../../src/wire/base64-json.ts';

export const MPP_CREDENTIAL_KEY = 'org.paymentauth/credential';

let loading: Promise<typeof import('mppx')> | undefined;
const mppx = (): Promise<typeof import('mppx')> => {
  loading ??= import('mppx');
  return loading;
};

/**
 * The credential of `Authorization: Payment <credential>`: a string is taken as that wire form; an
 * object (what mppx's MCP client sends: the challenge with its request decoded) is serialized by mppx,
 * which re-encodes the request canonically so the challenge's HMAC still verifies.
 */
async function credentialOf(value: unknown): Promise<string | undefined> {
  if (typeof value === 'string') {
    const credential = value.trim().replace(/^Payment\s+/i, '');
    return credential === '' ? undefined : credential;
  }
  if (value === null || typeof value !== 'object' || !('challenge' in value) || !('payload' in value)) {
    return undefined;
  }
  try {
    const serialized = (await mppx()).Credential.serialize(value as Credential.Credential);
    return serialized.replace(/^Payment\s+/i, '');
  } catch {
    return undefined;
  }
}

/** The `Payment` challenges of a WWW-Authenticate header, as mppx's MCP client reads them. */
async function challengesOf(header: HeaderLookup): Promise<Challenge.Challenge[] | undefined> {
  const value = header('www-authenticate');
  if (value === undefined || !/(^|,)\s*payment\s/i.test(value)) return undefined;
  try {
    return (await mppx()).Challenge.deserializeList(value);
  } catch {
    return undefined;
  }
}

export const mppWire: RailWire = {
  name: 'mpp',
  requestHeaders: ['Payment-Authorization'],
  responseHeaders: ['WWW-Authenticate', 'Payment-Receipt'],
  openapi: {
    securityScheme: {
      type: 'http',
      scheme: 'Payment',
      description:
        'MPP credential (Machine Payments Protocol, Stripe): Authorization: Payment <base64url>, or Payment-Authorization when Authorization carries an API key. Call without it to get the WWW-Authenticate: Payment challenge.',
    },
    accepts: (operation) => operation.payment !== undefined || operation.agentProof === true,
    errorCodes: (operation) => {
      const codes: ErrorCode[] = [];
      if (operation.payment) {
        codes.push('PAYMENT_003', 'BILLING_004', 'AUTH_002', 'SERVER_009');
        if (operation.payment.credits !== undefined) codes.push('PAYMENT_005');
      }
      if (operation.agentProof === true) codes.push('PAYMENT_003', 'AUTH_002');
      return codes;
    },
    successHeaders: {
      'Payment-Receipt': {
        description: 'the MPP receipt when paid with an MPP credential',
        schema: { type: 'string' },
      },
    },
    responses: () => ({}),
  },
  llms: [
    '## Paying as an agent with Stripe (MPP, credit packs)',
    '',
    '- On a server with MPP enabled the same 402 also carries `WWW-Authenticate: Payment …` (method stripe, intent',
    '  charge, with challenge_id and price_cents hints) and body objects `mpp` and `credits`. The mppx client answers it.',
    '- Buy credits: `POST /agent/credits {"pack": "pack_5"}` with `Authorization: Payment <credential>` for 1200 cents',
    '  adds 5 credits ($2.40 a campaign) and answers {balance, credits_added, pack}, a Payment-Receipt header and,',
    '  on the first purchase, `meta.payment.agent_api_key`. Credits never expire. Packs are MPP-only.',
    '- Spend: `POST /campaigns` with that agent key (or the credential) takes 1 credit, no new charge. With no',
    '  credits, a credential for 240 cents pays for that one campaign; otherwise 402 PAYMENT_005 explains how to buy.',
    '  If the campaign cannot be created the credit comes back as a refund entry.',
    '- `GET /agent/credits` (balance) and `GET /agent/credits/history` (ledger) take the agent key or the credential',
    '  itself (`Authorization: Payment …`; nothing is charged). Later purchases made with the agent key (credential',
    '  in `Payment-Authorization`) add to the same balance.',
    '- Errors: 400 PAYMENT_006 unknown pack; 402 PAYMENT_003 credential refused (wrong operation, price, expired, or',
    '  not ours); 402 BILLING_004 card declined; 403 AUTH_002 credential of another identity; 503 SERVER_009 Stripe',
    '  did not answer (resend the same request later: a credential is charged at most once).',
  ],
  mcp: {
    howToPay:
      'MPP: retry with the credential in _meta["org.paymentauth/credential"] (the mppx MCP client does this).',
    async headersFromMeta(meta, hasBearer) {
      const credential = await credentialOf(meta[MPP_CREDENTIAL_KEY]);
      if (credential === undefined) return {};
      // A caller sending `Authorization: Bearer` gets the credential in Payment-Authorization.
      return { [hasBearer ? 'payment-authorization' : 'authorization']: `Payment ${credential}` };
    },
    receipts(header) {
      const receipt = header('payment-receipt');
      return receipt === undefined ? {} : { 'org.paymentauth/receipt': decodeBase64Json(receipt) ?? receipt };
    },
    // mppx's MCP client looks for the challenges in `_meta["org.paymentauth/payment-required"]`.
    async challenge(header, status) {
      const challenges = await challengesOf(header);
      return {
        structured: {},
        meta: challenges ? { 'org.paymentauth/payment-required': { httpStatus: status, challenges } } : {},
      };
    },
  },
};
