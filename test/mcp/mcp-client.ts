/**
 * Test helpers for the remote MCP endpoint: an SDK Client over Streamable HTTP with optional headers,
 * a raw JSON-RPC POST (to see HTTP statuses the SDK turns into exceptions), and result accessors.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export async function connectMcp(baseUrl: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'iris-tests', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit: { headers } }),
  );
  return client;
}

export function bearer(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

/** POSTs one JSON-RPC message (or batch) to /mcp as an MCP client would; the response as it came. */
export function postMcpRaw(
  baseUrl: string,
  message: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...headers,
    },
    body: JSON.stringify(message),
  });
}

/** postMcpRaw with the JSON body read. */
export async function postMcp(
  baseUrl: string,
  message: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await postMcpRaw(baseUrl, message, headers);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

/** An initialize request as an MCP client sends it first. */
export function initialize(id: string | number = 1, client = 'raw') {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: client, version: '1' } },
  };
}

export function toolCall(name: string, args: Record<string, unknown> = {}, id: string | number = 1) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

// biome-ignore lint/suspicious/noExplicitAny: tests inspect results freely
export type Structured = Record<string, any>;

export function structured(result: unknown): Structured {
  return ((result as CallToolResult).structuredContent ?? {}) as Structured;
}

/** The JSON in the first text block: what a client that ignores structuredContent sees. */
export function textJson(result: unknown): Structured {
  const [first] = (result as CallToolResult).content;
  if (first?.type !== 'text') throw new Error('no text content');
  return JSON.parse(first.text) as Structured;
}
