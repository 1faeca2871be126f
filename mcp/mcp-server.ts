/**
 * A low-level MCP server answering from a prebuilt tool catalog: `tools/list` returns the catalog's shared answer
 * and `tools/call` hands the operation, arguments and `_meta` to a caller (the pipeline for the remote
 * server, REST for the stdio one). Cheap to create: the remote server makes one per HTTP request.
 */
import { createRequire } from 'node:module';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { newRequestId } from '../src/http/middleware/request-id.ts';
import type { Operation } from '../src/operations/define-operation.ts';
import type { RailWire } from '../src/services.ts';
import type { CallMeta } from './call-meta.ts';
import { cappedCall, MAX_RESULT_CHARS, type ToolArgs } from './capped-call.ts';
import type { ToolCatalog } from './tool-catalog.ts';
import { errorResult } from './tool-result.ts';

export type ToolCaller = (operation: Operation, args: ToolArgs, meta: CallMeta) => Promise<CallToolResult>;

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

export const SERVER_INFO = { name: 'iris', title: 'iris outreach', version };

const instructionsByRails = new WeakMap<readonly RailWire[], string>();

/** The server instructions, with one sentence per payment rail on how a tool call pays through it. */
function instructionsFor(rails: readonly RailWire[]): string {
  let text = instructionsByRails.get(rails);
  if (text === undefined) {
    text = [
      'iris runs multi-channel outreach campaigns (email, Instagram DM, X DM): discover contacts, draft messages with AI, approve and send them.',
      'Each tool is one iris API operation. A result carries `data` (and `meta`, e.g. `meta.pagination.next_cursor` to pass as `cursor` for the next page).',
      'Errors come back with isError and `{code, message, requestId}` (the iris API error codes).',
      ...(rails.length > 0
        ? [
            'Without an API key, payable tools (campaigns_create) are paid per call.',
            ...rails.map((r) => r.mcp.howToPay),
          ]
        : []),
    ].join(' ');
    instructionsByRails.set(rails, text);
  }
  return text;
}

/**
 * One validator for every server: left to itself, each Server builds its own Ajv instance, which costs more
 * than the rest of a tool call. (This server never validates anything with it: no elicitation.)
 */
const sharedValidator = new AjvJsonSchemaValidator();

export interface McpServerOptions {
  maxResultChars?: number;
  /** The payment rails whose use the instructions explain. */
  rails?: readonly RailWire[];
}

const NO_RAILS: readonly RailWire[] = [];

export function createIrisMcpServer(
  catalog: ToolCatalog,
  call: ToolCaller,
  options: McpServerOptions = {},
): Server {
  // The low-level Server (the SDK's choice for advanced use): McpServer's tool registry would convert
  // every zod schema again for each server, and the remote endpoint makes one server per request.
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false } },
    instructions: instructionsFor(options.rails ?? NO_RAILS),
    jsonSchemaValidator: sharedValidator,
  });
  server.setRequestHandler(ListToolsRequestSchema, () => catalog.listResult);
  server.setRequestHandler(CallToolRequestSchema, (request) =>
    callTool(catalog, call, request.params, options),
  );
  return server;
}

export interface ToolCallParams {
  name: string;
  arguments?: ToolArgs | undefined;
  _meta?: CallMeta | undefined;
}

/** What tools/call answers: the operation's result as a tool result (an unknown tool is an error result). */
export function callTool(
  catalog: ToolCatalog,
  call: ToolCaller,
  params: ToolCallParams,
  options: McpServerOptions = {},
): Promise<CallToolResult> {
  const { name, arguments: args = {}, _meta: meta } = params;
  const operation = catalog.operationOf(name);
  if (!operation) return Promise.resolve(errorResult('SERVER_003', `unknown tool: ${name}`, newRequestId()));
  return cappedCall(
    operation,
    args,
    (input) => call(operation, input, meta),
    options.maxResultChars ?? MAX_RESULT_CHARS,
  );
}
