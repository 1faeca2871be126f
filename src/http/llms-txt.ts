/**
 * llms.txt: a plain-text brief for language models, generated from the registry so it cannot drift from
 * the API. `npm run llms` rewrites the committed copy at the repository root; a test checks they match.
 */
import { ERROR_CATALOGUE, type ErrorCode } from '../errors/catalogue.ts';
import type { Operation } from '../operations/define-operation.ts';
import { BURST_LIMIT, CLASS_LIMITS, GLOBAL_LIMIT, type LimitRule } from '../pipeline/rate-limit/limits.ts';

function per(rule: LimitRule): string {
  const unit = rule.windowMs >= 3_600_000 ? 'hour' : rule.windowMs >= 60_000 ? 'minute' : 'second';
  return `${rule.limit} per ${unit}`;
}

function operationLine(operation: Operation): string {
  const notes = [operation.scope === 'none' ? 'any valid key' : `scope ${operation.scope}`];
  if (operation.idempotency) notes.push('Idempotency-Key');
  if (operation.paginated) notes.push('paginated');
  if (operation.payment) notes.push('agents may pay with x402 instead');
  return `- \`${operation.method} ${operation.path}\` (${operation.id}; ${notes.join(', ')}): ${operation.summary}`;
}

export function llmsTxt(operations: readonly Operation[]): string {
  const groups = new Map<string, Operation[]>();
  for (const op of operations) {
    const group = op.id.split('.')[0] as string;
    groups.set(group, [...(groups.get(group) ?? []), op]);
  }
  const codes = Object.keys(ERROR_CATALOGUE) as ErrorCode[];
  const lines = [
    '# iris',
    '',
    '> iris runs outreach campaigns over email, Instagram DM and X DM: it finds contacts, drafts messages',
    '> with AI, holds every draft for approval, sends, and follows up. People call it over REST with scoped API',
    '> keys, or - agents - pay per campaign with x402; every operation is described in OpenAPI 3.1 at /openapi.json.',
    '',
    '## Calling the API',
    '',
    '- Send `Authorization: Bearer is_live_…` on every request. Keys are shown once at creation; only a hash is stored.',
    '- Scopes: read, write, generate, send, admin, or `*` for all. A missing scope is 403 APIKEY_004 naming the scope.',
    '  A key can only grant (or rotate a key holding) scopes it has itself.',
    '- Bad, expired and revoked keys are 401 APIKEY_001, APIKEY_002 and APIKEY_003.',
    '- JSON in, JSON out. Success: `{"success": true, "data": …, "meta"?: {"pagination": …}}`.',
    '- Errors: `{"success": false, "error": {"code", "message", "requestId"}}`; the id equals the X-Request-ID header.',
    '- Timestamps are ISO 8601 UTC with milliseconds. Ids are UUIDs.',
    '- Lists return newest first: pass `limit` (1-100, default 20) and `cursor` = `meta.pagination.next_cursor`.',
    '- Path params, query and body fields share one namespace; unknown body fields are rejected (422 SERVER_005).',
    '',
    '## Limits',
    '',
    `- Per key: ${per(GLOBAL_LIMIT)} overall, ${per(BURST_LIMIT)} in bursts; campaign writes ${per(CLASS_LIMITS.campaignMutations)},`,
    `  contact writes ${per(CLASS_LIMITS.contactMutations)}, AI generation ${per(CLASS_LIMITS.aiGeneration)}, discovery ${per(CLASS_LIMITS.discovery)}.`,
    '- Over a limit: 429 RATE_001 with Retry-After (seconds), X-RateLimit-Limit, X-RateLimit-Remaining,',
    '  X-RateLimit-Reset (ms since epoch) and body fields retryAfter, limit, remaining. Wait Retry-After seconds.',
    '',
    '## Safe retries',
    '',
    '- Create operations accept `Idempotency-Key` (1-255 of A-Z a-z 0-9 . _ -), scoped to your key and the operation.',
    '- A repeat within 24 h returns the first 2xx response unchanged with `Idempotent-Replayed: true`; errors are not kept.',
    '- The same key while the first request runs waits for it and gets its answer; if that request failed or its',
    '  server died, the repeat runs afresh. The same key with a different body: 409 SERVER_016; use a new key for a',
    '  new request. A malformed key: 400 SERVER_002. A 409 SERVER_016 with Retry-After: wait that many seconds.',
    '',
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
    '',
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
    '',
    '## MCP',
    '',
    '- Remote: `POST /mcp` (Streamable HTTP, stateless, JSON) with `Authorization: Bearer is_live_…`; one tool per',
    '  operation below, named with `_` (campaigns_create). Results are `{data, meta?}` in structuredContent; errors',
    '  are isError results with the REST `{code, message, requestId}`.',
    '- Without a key: tools/list, and payable tools return the 402 offer as an isError result (x402 PaymentRequired',
    '  fields plus `mpp`/`credits`); retry with `_meta["x402/payment"]` (PaymentPayload) or',
    '  `_meta["org.paymentauth/credential"]` (MPP); receipts come back in `_meta["x402/payment-response"]` and',
    '  `_meta["org.paymentauth/receipt"]`.',
    '- stdio: `npx -y -p @jclvsh/iris iris-mcp` with IRIS_API_KEY (and IRIS_API_URL) in the environment.',
    '',
    '## Command line',
    '',
    '- `npx @jclvsh/iris <resource> <verb>` (binary `iris`) runs any operation below over REST: campaigns.create is',
    '  `iris campaigns create`. Settings: IRIS_API_KEY and IRIS_API_URL (default https://api.iris-ai.dev), or',
    '  --api-key / --api-url, or ~/.config/iris/config.json {"api_key", "api_url"}.',
    '- Flags are input fields in kebab-case (`--objective-type`, alias `--objective`; `--campaign` for campaign_id);',
    "  lists comma-separated; path ids positional; `--json '{…}'` sets any field (flags win).",
    '  Example: `iris campaigns create --name "Q2 outreach" --objective product_promotion`.',
    '- stdout holds only the response data as JSON (`--format table` for a table). Exit 0 ok; 1 API error with',
    '  `error: <CODE> <message> (request <id>)` on stderr; 2 usage error. `iris <resource> <verb> --help` shows flags.',
    '',
    '## Operations',
    '',
  ];
  for (const [group, ops] of groups) {
    lines.push(`### ${group}`, '', ...ops.map(operationLine), '');
  }
  lines.push(
    '## Other endpoints',
    '',
    '- `GET /health`: readiness including the database (no key).',
    '- `GET /openapi.json`: OpenAPI 3.1 description of every operation (no key).',
    '- `GET /llms.txt`: this file (no key).',
    '',
    '## Error codes',
    '',
    ...codes.map((code) => `- ${code} (${ERROR_CATALOGUE[code].status}): ${ERROR_CATALOGUE[code].message}`),
    '',
  );
  return lines.join('\n');
}
