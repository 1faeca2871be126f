/**
 * The error catalogue: every code iris can answer with, its HTTP status and default message. Codes and
 * statuses follow the iris API v1 reference; REST, MCP and the CLI all render errors from here.
 */
export const ERROR_CATALOGUE = {
  AUTH_001: { status: 401, message: 'unauthorized - invalid or missing API key' },
  AUTH_002: { status: 403, message: 'forbidden - insufficient permissions' },
  AUTH_003: { status: 401, message: 'session expired' },

  APIKEY_001: { status: 401, message: 'invalid or missing API key' },
  APIKEY_002: { status: 401, message: 'API key expired' },
  APIKEY_003: { status: 401, message: 'API key revoked' },
  APIKEY_004: { status: 403, message: 'scope not granted for this operation' },
  APIKEY_005: { status: 429, message: 'API key creation limit reached' },
  APIKEY_006: { status: 404, message: 'API key not found' },

  CAMP_001: { status: 404, message: 'campaign not found' },
  CAMP_002: { status: 500, message: 'campaign creation failed' },
  CAMP_003: { status: 500, message: 'campaign update failed' },
  CAMP_005: { status: 409, message: 'campaign already active' },
  CAMP_007: { status: 400, message: 'campaign has no contacts' },
  CAMP_008: { status: 400, message: 'invalid campaign status transition' },
  CAMP_009: { status: 429, message: 'campaign limit reached for billing period' },

  CONTACT_001: { status: 404, message: 'contact not found' },
  CONTACT_003: { status: 400, message: 'invalid email address' },
  CONTACT_007: { status: 500, message: 'bulk import failed' },
  CONTACT_009: { status: 429, message: 'contact limit reached for billing period' },

  CONVERSATION_001: { status: 404, message: 'conversation not found' },
  CONVERSATION_002: { status: 500, message: 'conversation update failed' },
  CONVERSATION_003: { status: 500, message: 'message send failed' },

  MESSAGE_001: { status: 500, message: 'message send failed' },
  MESSAGE_004: { status: 409, message: 'message already approved' },
  MESSAGE_005: { status: 404, message: 'message not found' },
  MESSAGE_015: { status: 429, message: 'message limit reached for billing period' },

  AI_001: { status: 503, message: 'AI service unavailable' },
  AI_002: { status: 500, message: 'AI generation failed' },
  AI_003: { status: 500, message: 'AI analysis failed' },
  AI_004: { status: 429, message: 'AI rate limit exceeded' },
  AI_005: { status: 400, message: 'AI content filtered' },

  DISCOVERY_001: { status: 500, message: 'discovery job failed' },
  DISCOVERY_002: { status: 404, message: 'discovery job not found' },
  DISCOVERY_006: { status: 429, message: 'discovery rate limited' },
  DISCOVERY_008: { status: 429, message: 'discovery quota exceeded' },

  HOOK_001: { status: 400, message: 'invalid webhook signature' },
  HOOK_003: { status: 400, message: 'invalid webhook payload' },
  WEBHOOK_001: { status: 404, message: 'webhook not found' },

  PAYMENT_001: {
    status: 402,
    message: 'payment required - send X-PAYMENT (x402) or Authorization: Payment (MPP)',
  },
  PAYMENT_002: { status: 402, message: 'x402 payment verification failed' },
  PAYMENT_003: { status: 402, message: 'MPP credential verification failed' },
  PAYMENT_004: { status: 500, message: 'settlement failed after payment was charged - contact support' },
  PAYMENT_005: {
    status: 402,
    message: 'insufficient credit balance - purchase a credit pack via POST /agent/credits',
  },
  PAYMENT_006: { status: 400, message: 'invalid credit pack id' },
  PAYMENT_007: { status: 500, message: 'credit purchase failed - if payment was charged, contact support' },
  PAYMENT_008: { status: 402, message: 'spend cap reached' },
  PAYMENT_009: { status: 400, message: 'invalid or expired quote' },

  BILLING_004: { status: 402, message: 'payment failed (card declined)' },
  BILLING_010: { status: 429, message: 'plan usage limit reached - upgrade to continue' },
  BILLING_011: { status: 402, message: 'active subscription required for this operation' },

  RATE_001: { status: 429, message: 'too many requests' },
  RATE_002: { status: 429, message: 'API rate limit exceeded' },

  SERVER_001: { status: 500, message: 'internal server error' },
  SERVER_002: { status: 400, message: 'request validation failed' },
  SERVER_003: { status: 404, message: 'resource not found' },
  SERVER_004: { status: 405, message: 'method not allowed' },
  SERVER_005: { status: 422, message: 'invalid input' },
  SERVER_006: { status: 500, message: 'database error' },
  SERVER_008: { status: 504, message: 'request timeout' },
  SERVER_009: { status: 503, message: 'service temporarily unavailable' },
  /** Not in the v1 reference table: iris answers an over-sized body with its own code. */
  SERVER_011: { status: 413, message: 'request body too large' },
  SERVER_016: { status: 409, message: 'conflict - a request with this Idempotency-Key is in flight' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function statusOf(code: ErrorCode): number {
  return ERROR_CATALOGUE[code].status;
}
