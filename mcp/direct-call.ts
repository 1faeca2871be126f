/**
 * The common MCP request, a POST holding one plain `tools/call`, answered without building an SDK server
 * for it: the SDK's Server would check the same parameters, run the same `callTool` and validate a result
 * iris built itself, at about a third of the cost of the call (a Server, its handlers and an
 * AbortController per request). Anything else — initialize, tools/list, batches (even of one), tasks,
 * progress tokens — goes to the SDK's Server. test/mcp/direct-call.test.ts holds both paths to the same answers.
 */
import type { RequestId } from '@modelcontextprotocol/sdk/types.js';
import { callTool, type McpServerOptions, type ToolCaller, type ToolCallParams } from './mcp-server.ts';
import type { ToolCatalog } from './tool-catalog.ts';
import { serializeResult } from './tool-result.ts';

/** The related-task key of `_meta`: such calls belong to the SDK's task handling. */
const RELATED_TASK_META_KEY = 'io.modelcontextprotocol/related-task';
const PARAM_KEYS = new Set(['name', 'arguments', '_meta']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An HTTP answer: status, headers, a JSON body and, when built with it, the body's text. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  text?: string;
}

export interface PlainToolCall {
  id: RequestId;
  params: ToolCallParams;
}

/**
 * The call, when the POST's body was one message (not a batch) and that is a tools/call request with
 * nothing the SDK would treat specially.
 */
export function plainToolCall(body: unknown): PlainToolCall | undefined {
  if (!isPlainObject(body)) return undefined;
  const message: Record<string, unknown> = body;
  if (message.method !== 'tools/call' || message.id === undefined) return undefined;
  const params = message.params;
  if (!isPlainObject(params) || typeof params.name !== 'string') return undefined;
  for (const key in params) if (!PARAM_KEYS.has(key)) return undefined;
  const args = params.arguments;
  if (args !== undefined && !isPlainObject(args)) return undefined;
  const meta = params._meta;
  if (meta !== undefined) {
    if (!isPlainObject(meta) || meta.progressToken !== undefined || RELATED_TASK_META_KEY in meta)
      return undefined;
  }
  return {
    id: message.id as RequestId,
    params: { name: params.name, arguments: args, _meta: meta },
  };
}

/** The HTTP answer the SDK's Server and transport (JSON response mode) would give for `call`. */
export async function answerToolCall(
  catalog: ToolCatalog,
  caller: ToolCaller,
  call: PlainToolCall,
  options: McpServerOptions,
): Promise<HttpAnswer> {
  let body: unknown;
  try {
    const result = await callTool(catalog, caller, call.params, options);
    return {
      status: 200,
      headers: { 'Content-Type': 'application/json' },
      body: { result, jsonrpc: '2.0', id: call.id },
      text: `{"result":${serializeResult(result)},"jsonrpc":"2.0","id":${JSON.stringify(call.id)}}`,
    };
  } catch (failure) {
    // As the SDK's Protocol answers a handler that throws.
    const error = failure as { code?: unknown; message?: string; data?: unknown };
    body = {
      jsonrpc: '2.0',
      id: call.id,
      error: {
        code: Number.isSafeInteger(error.code) ? error.code : -32603,
        message: error.message ?? 'Internal error',
        ...(error.data !== undefined && { data: error.data }),
      },
    };
  }
  return { status: 200, headers: { 'Content-Type': 'application/json' }, body };
}
