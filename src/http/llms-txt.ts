/**
 * llms.txt: a plain-text brief for language models, generated from the registry so it cannot drift from
 * the API. `npm run llms` rewrites the committed copy at the repository root; a test checks they match.
 */
import { type EmittedEvent, EVENT_DATA } from '../domain/events/event-types.ts';
import { AGENT_FLOW_LLMS } from '../domain/payments/agent-flow-llms.ts';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors/catalogue.ts';
import type { Operation } from '../operations/define-operation.ts';
import { BURST_LIMIT, CLASS_LIMITS, GLOBAL_LIMIT, type LimitRule } from '../pipeline/rate-limit/limits.ts';
import type { RailWire } from '../services.ts';

function per(rule: LimitRule): string {
  const unit = rule.windowMs >= 3_600_000 ? 'hour' : rule.windowMs >= 60_000 ? 'minute' : 'second';
  return `${rule.limit} per ${unit}`;
}

function operationLine(operation: Operation, rails: readonly RailWire[]): string {
  const notes = [operation.scope === 'none' ? 'any valid key' : `scope ${operation.scope}`];
  if (operation.idempotency) notes.push('Idempotency-Key');
  if (operation.paginated) notes.push('paginated');
  const paying = rails.filter((rail) => operation.payment && rail.openapi.accepts(operation));
  if (paying.length > 0) notes.push(`agents may pay instead (${paying.map((rail) => rail.name).join(', ')})`);
  if (operation.agentProof !== undefined && rails.length > 0) {
    notes.push(
      operation.agentProof === 'sign-in'
        ? 'agents may sign in with SIGN-IN-WITH-X instead'
        : 'agents may sign in or show their payment again instead',
    );
  }
  return `- \`${operation.method} ${operation.path}\` (${operation.id}; ${notes.join(', ')}): ${operation.summary}`;
}

export function llmsTxt(operations: readonly Operation[], rails: readonly RailWire[]): string {
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
    `> keys, or - agents - pay per campaign (${rails.map((rail) => rail.name).join(', ')}); every operation is described in`,
    '> OpenAPI 3.1 at /openapi.json.',
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
    '- Every answer to a known key, success or error, carries X-RateLimit-Limit, X-RateLimit-Remaining and',
    '  X-RateLimit-Reset for the window with the fewest requests left: pace yourself before you hit a 429.',
    '',
    '## Safe retries',
    '',
    '- Create operations accept `Idempotency-Key` (1-255 of A-Z a-z 0-9 . _ -), scoped to your key and the operation.',
    '- A repeat within 24 h returns the first 2xx response unchanged with `Idempotent-Replayed: true`; errors are not kept.',
    '- The same key while the first request runs waits for it and gets its answer; if that request failed or its',
    '  server died, the repeat runs afresh. The same key with a different body: 409 SERVER_016; use a new key for a',
    '  new request. A malformed key: 400 SERVER_002. A 409 SERVER_016 with Retry-After: wait that many seconds.',
    '',
    ...rails.flatMap((rail) => [...rail.llms, '']),
    ...(rails.length > 0 ? [...AGENT_FLOW_LLMS, ''] : []),
    '## Events',
    '',
    '- Changes write an event in the same transaction (nothing is reported that did not happen). Webhook',
    '  deliveries wrap it as `{id, event, timestamp, created_at, data}`; the `data` of each event so far:',
    ...(Object.keys(EVENT_DATA) as EmittedEvent[]).map(
      (type) => `  - ${type}: {${Object.keys(EVENT_DATA[type].shape).join(', ')}}`,
    ),
    '',
    '## MCP',
    '',
    '- Remote: `POST /mcp` (Streamable HTTP, stateless, JSON) with `Authorization: Bearer is_live_…`; one tool per',
    '  operation below, named with `_` (campaigns_create). Results are `{data, meta?}` in structuredContent; errors',
    '  are isError results with the REST `{code, message, requestId}`.',
    '- Without a key: tools/list, and payable tools return the 402 offer as an isError result carrying every payment',
    '  method the server takes; receipts of a paid call come back in `_meta`. Per method:',
    ...rails.map((rail) => `  ${rail.mcp.howToPay}`),
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
    lines.push(`### ${group}`, '', ...ops.map((op) => operationLine(op, rails)), '');
  }
  lines.push(
    '## Other endpoints',
    '',
    '- `GET /health`: readiness including the database (no key).',
    '- `GET /openapi.json`: OpenAPI 3.1 description of every operation (no key).',
    '- `GET /llms.txt`: this file (no key).',
    '- `POST /inbound/email` (one raw RFC 822 mail) and `POST /inbound/instagram|twitter` (one DM as',
    '  `{account_id, from: {handle}, id, text, sent_at?}`): replies from a mail relay or a DM bridge. No key: signed',
    '  with the shared INBOUND_SECRET, `X-Iris-Timestamp: <Unix seconds>` (within 5 minutes) and',
    '  `X-Iris-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">`; a bad or missing signature is 401.',
    '  The answer says whether the reply matched a conversation; a delivery sent twice is stored once.',
    '- `GET /unsubscribe/<message id>` shows an opt-out page; `POST` to it (RFC 8058 one-click) opts the recipient',
    '  out of every channel. `GET /o/<message id>.gif`: the open-tracking image (EMAIL_TRACK_OPENS).',
    '- `/app`: the web app for people (sign in with an API key).',
    '',
    '## Error codes',
    '',
    ...codes.map((code) => `- ${code} (${ERROR_CATALOGUE[code].status}): ${ERROR_CATALOGUE[code].message}`),
    '',
  );
  return lines.join('\n');
}
