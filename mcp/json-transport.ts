/**
 * The server side of MCP Streamable HTTP for one stateless POST answered with JSON (no SSE, no
 * sessions): checks the request the way the SDK's transport does, then carries its JSON-RPC messages to
 * an MCP server and collects the responses. Written out because the SDK's transport converts every
 * request to a fetch Request and Response and back, which cost more than the tool call itself.
 */

import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  type RequestId,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';

/** As the SDK's transport: a batch may hold at most this many messages. */
export const MAX_BATCH_SIZE = 100;

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  /** JSON body; none for 202. */
  body?: unknown;
  /** `body` already serialized, when the answer was built with its text. */
  text?: string;
}

export interface PostHeaders {
  accept?: string | undefined;
  'content-type'?: string | undefined;
  'mcp-protocol-version'?: string | undefined;
}

function rpcError(status: number, code: number, message: string): HttpAnswer {
  return {
    status,
    headers: { 'Content-Type': 'application/json' },
    body: { jsonrpc: '2.0', error: { code, message }, id: null },
  };
}

function isRequest(message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId; method: string } {
  return 'method' in message && 'id' in message;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);

/** The common case, checked by hand: a request or notification with only the usual fields. */
function isPlainRequest(value: Record<string, unknown>): boolean {
  if (value.jsonrpc !== '2.0' || typeof value.method !== 'string') return false;
  for (const key in value) if (!REQUEST_KEYS.has(key)) return false;
  const { id, params } = value;
  if (id !== undefined && typeof id !== 'string' && !(typeof id === 'number' && Number.isSafeInteger(id)))
    return false;
  if (params === undefined) return true;
  if (!isObject(params)) return false;
  const meta = params._meta;
  return meta === undefined || (isObject(meta) && meta.progressToken === undefined);
}

/**
 * What the SDK's JSONRPCMessageSchema accepts. The zod union costs more than the rest of the framing, so
 * plain requests are recognised by hand and only anything else goes through the SDK's schema, which is
 * also what the server classifies messages with (so nothing framed here goes unanswered).
 */
export function isJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  if (!isObject(value)) return false;
  return isPlainRequest(value) || JSONRPCMessageSchema.safeParse(value).success;
}

/** The messages of a well-formed POST, or the HTTP error answer the SDK's transport would give. */
export function framePost(headers: PostHeaders, body: unknown): JSONRPCMessage[] | HttpAnswer {
  const accept = headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    return rpcError(
      406,
      -32000,
      'Not Acceptable: Client must accept both application/json and text/event-stream',
    );
  }
  if (!isJsonContentType(headers['content-type'])) {
    return rpcError(415, -32000, 'Unsupported Media Type: Content-Type must be application/json');
  }
  if (Array.isArray(body) && body.length > MAX_BATCH_SIZE) {
    return rpcError(400, -32600, `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages`);
  }
  const messages: JSONRPCMessage[] = [];
  for (const raw of Array.isArray(body) ? body : [body]) {
    if (!isJsonRpcMessage(raw)) return rpcError(400, -32700, 'Parse error: Invalid JSON-RPC message');
    messages.push(raw);
  }
  const ids = messages.filter(isRequest).map((m) => m.id);
  if (new Set(ids).size !== ids.length)
    return rpcError(400, -32600, 'Invalid Request: duplicate request ids');
  const initializing = messages.some((m) => 'method' in m && m.method === 'initialize' && 'id' in m);
  if (initializing && messages.length > 1) {
    return rpcError(400, -32600, 'Invalid Request: Only one initialization request is allowed');
  }
  const version = headers['mcp-protocol-version'];
  if (!initializing && version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
    return rpcError(
      400,
      -32000,
      `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
    );
  }
  return messages;
}

/**
 * One POST's worth of transport: `exchange` hands the messages to the connected server and resolves
 * with the HTTP answer once every request has its response. Server-to-client requests and notifications
 * have nowhere to go without a stream and are dropped, as in the SDK's JSON response mode.
 */
export class JsonResponseTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private readonly responses = new Map<RequestId, JSONRPCMessage>();
  private order: RequestId[] = [];
  private used = false;
  private done?: () => void;

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.onclose?.();
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if ('method' in message || !('id' in message) || message.id === undefined) return;
    this.responses.set(message.id, message);
    if (this.responses.size >= this.order.length) this.done?.();
  }

  async exchange(messages: JSONRPCMessage[]): Promise<HttpAnswer> {
    if (this.used) throw new Error('a stateless MCP transport serves exactly one request');
    this.used = true;
    this.order = messages.filter(isRequest).map((m) => m.id);
    if (this.order.length === 0) {
      for (const message of messages) this.onmessage?.(message);
      return { status: 202, headers: {} };
    }
    const answered = new Promise<void>((resolve) => {
      this.done = resolve;
    });
    for (const message of messages) this.onmessage?.(message);
    await answered;
    const replies = this.order.map((id) => this.responses.get(id));
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
      body: replies.length === 1 ? replies[0] : replies,
    };
  }
}
