/**
 * Turns an iris REST envelope (status, headers, `{success, data, meta}` or `{success: false, error}`)
 * into an MCP tool result, payment challenges and receipts included. Shared by the remote server
 * (pipeline responses) and the stdio server (REST responses), so both answer identically.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { RailWire } from '../src/services.ts';
import { isJsonObject as isObject } from '../src/wire/base64-json.ts';

export interface EnvelopeResponse {
  status: number;
  /** Response header by lower-case name. */
  header: (name: string) => string | undefined;
  body: unknown;
}

type Json = Record<string, unknown>;

/** Every rail's receipts in an answer. */
function receiptsOf(response: EnvelopeResponse, rails: readonly RailWire[]): Json {
  return Object.assign({}, ...rails.map((rail) => rail.mcp.receipts(response.header)));
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

/** An error; a payment challenge is added the way each rail's MCP clients look for it. */
async function failure(response: EnvelopeResponse, rails: readonly RailWire[]): Promise<CallToolResult> {
  const { code, message, requestId, extra } = errorOf(response);
  const challenges = await Promise.all(
    rails.map((rail) => rail.mcp.challenge(response.header, response.status, message)),
  );
  const structured = {
    ...Object.assign({}, ...challenges.map((challenge) => challenge.structured)),
    ...extra,
    code,
    message,
    requestId,
    ...receiptsOf(response, rails),
  };
  return withText(structured, true, Object.assign({}, ...challenges.map((challenge) => challenge.meta)));
}

/** Async: a rail may load its library to read a challenge. */
export async function toToolResult(
  response: EnvelopeResponse,
  rails: readonly RailWire[],
): Promise<CallToolResult> {
  const body = response.body;
  if (response.status >= 200 && response.status < 300 && isObject(body) && body.success === true) {
    const structured: Json = { data: body.data ?? null };
    if (isObject(body.meta)) structured.meta = body.meta;
    return withText(structured, false, receiptsOf(response, rails));
  }
  return failure(response, rails);
}

/** Header lookup over a record whose names may have any case (pipeline responses). */
export function headerLookup(headers: Record<string, string>): (name: string) => string | undefined {
  // A few lookups per response: a scan costs less than building a map of every header first.
  return (name) => {
    for (const key in headers) if (key.toLowerCase() === name) return headers[key];
    return undefined;
  };
}
