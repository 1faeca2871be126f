/**
 * Turns an iris REST envelope (status, headers, `{success, data, meta}` or `{success: false, error}`)
 * into an MCP tool result, payment challenges and receipts included. Shared by the remote server
 * (pipeline responses) and the stdio server (REST responses), so both answer identically.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Challenge } from 'mppx';
import { deserializeChallenges } from './mpp-wire.ts';

export interface EnvelopeResponse {
  status: number;
  /** Response header by lower-case name. */
  header: (name: string) => string | undefined;
  body: unknown;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Base64 (standard or url-safe) of a JSON object; undefined when it is not one. */
function decodeJsonHeader(value: string | undefined): Json | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(value.trim(), 'base64').toString('utf8'));
    return isObject(decoded) ? decoded : undefined;
  } catch {
    return undefined;
  }
}

function receiptsOf(response: EnvelopeResponse): Json {
  const receipts: Json = {};
  const settle = decodeJsonHeader(
    response.header('payment-response') ?? response.header('x-payment-response'),
  );
  if (settle) receipts['x402/payment-response'] = settle;
  const mpp = response.header('payment-receipt');
  if (mpp !== undefined) receipts['org.paymentauth/receipt'] = decodeJsonHeader(mpp) ?? mpp;
  return receipts;
}

/**
 * Results built here, whose one text item is their structured content serialized: an answer can reuse
 * that text instead of serializing the content again (serializeResult).
 */
const textual = new WeakSet<CallToolResult>();

function withText(structured: Json, isError: boolean, meta: Json): CallToolResult {
  const result: CallToolResult = {
    content: [{ type: 'text', text: JSON.stringify(structured) }],
    structuredContent: structured,
    ...(isError ? { isError: true } : {}),
    ...(Object.keys(meta).length > 0 ? { _meta: meta } : {}),
  };
  textual.add(result);
  return result;
}

/**
 * `JSON.stringify(result)`, written with the structured content's text instead of serializing that
 * content a second time, for results built here; plain JSON.stringify otherwise.
 */
export function serializeResult(result: CallToolResult): string {
  const [item] = result.content;
  if (!textual.has(result) || item?.type !== 'text') return JSON.stringify(result);
  const text = item.text;
  return (
    `{"content":[{"type":"text","text":${JSON.stringify(text)}}],"structuredContent":${text}` +
    `${result.isError ? ',"isError":true' : ''}` +
    `${result._meta ? `,"_meta":${JSON.stringify(result._meta)}` : ''}}`
  );
}

/** An error result in the shape every tool's output schema accepts. */
export function errorResult(
  code: string,
  message: string,
  requestId: string,
  extra: Json = {},
): CallToolResult {
  return withText({ code, message, requestId, ...extra }, true, {});
}

function errorOf(response: EnvelopeResponse): {
  code: string;
  message: string;
  requestId: string;
  extra: Json;
} {
  const body = isObject(response.body) ? response.body : {};
  const { success: _success, error, ...extra } = body;
  if (isObject(error) && typeof error.code === 'string') {
    return {
      code: error.code,
      message: typeof error.message === 'string' ? error.message : error.code,
      requestId:
        typeof error.requestId === 'string' ? error.requestId : (response.header('x-request-id') ?? ''),
      extra,
    };
  }
  // Not an iris envelope (a proxy's error page, an empty body): keep the status in the message.
  return {
    code: response.status >= 500 || response.status === 0 ? 'SERVER_009' : 'SERVER_001',
    message: `unexpected response from iris: HTTP ${response.status}`,
    requestId: response.header('x-request-id') ?? '',
    extra: {},
  };
}

/**
 * A 402's PAYMENT-REQUIRED header is merged in as the x402 PaymentRequired object itself (x402Version,
 * error, resource, accepts), which is where x402 MCP clients look for it first.
 */
async function failure(response: EnvelopeResponse): Promise<CallToolResult> {
  const { code, message, requestId, extra } = errorOf(response);
  const required = decodeJsonHeader(response.header('payment-required'));
  const paymentRequired = required
    ? { ...required, error: typeof required.error === 'string' ? required.error : message }
    : {};
  const structured = { ...paymentRequired, ...extra, code, message, requestId, ...receiptsOf(response) };
  const challenges = await mppChallengesOf(response);
  const meta: Json = challenges
    ? { 'org.paymentauth/payment-required': { httpStatus: response.status, challenges } }
    : {};
  return withText(structured, true, meta);
}

/**
 * The MPP challenges of a `WWW-Authenticate: Payment …` header, parsed by mppx: its MCP client looks for
 * them in `_meta["org.paymentauth/payment-required"]` of a tool result.
 */
async function mppChallengesOf(response: EnvelopeResponse): Promise<Challenge.Challenge[] | undefined> {
  const header = response.header('www-authenticate');
  if (header === undefined || !/(^|,)\s*payment\s/i.test(header)) return undefined;
  try {
    return await deserializeChallenges(header);
  } catch {
    return undefined;
  }
}

/** Async for a failure carrying MPP challenges, which mppx (loaded then) parses. */
export async function toToolResult(response: EnvelopeResponse): Promise<CallToolResult> {
  const body = response.body;
  if (response.status >= 200 && response.status < 300 && isObject(body) && body.success === true) {
    const structured: Json = { data: body.data ?? null };
    if (isObject(body.meta)) structured.meta = body.meta;
    return withText(structured, false, receiptsOf(response));
  }
  return failure(response);
}

/** Header lookup over a record whose names may have any case (pipeline responses). */
export function headerLookup(headers: Record<string, string>): (name: string) => string | undefined {
  // A few lookups per response: a scan costs less than building a map of every header first.
  return (name) => {
    for (const key in headers) if (key.toLowerCase() === name) return headers[key];
    return undefined;
  };
}
