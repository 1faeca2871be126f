/**
 * The remote MCP endpoint: POST /mcp speaks Streamable HTTP in stateless mode with JSON responses — a
 * fresh MCP server and transport per request (a stateless transport is never reused), answering from
 * the tool catalog built once here; a lone plain tools/call is answered directly (direct-call.ts). With
 * MCP_TRANSPORT=sdk, the SDK's StreamableHTTPServerTransport answers instead, streaming SSE. GET and DELETE get 405 (no sessions, no server-initiated stream).
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { clientIp } from '../src/http/client-ip.ts';
import { readJsonBody } from '../src/http/middleware/json-body.ts';
import { requestIdOf } from '../src/http/middleware/request-id.ts';
import { pathOf } from '../src/http/request-target.ts';
import type { Next } from '../src/http/router.ts';
import { send } from '../src/http/send.ts';
import { errorFields } from '../src/logger.ts';
import type { Operation } from '../src/operations/define-operation.ts';
import type { OperationResponse } from '../src/pipeline/operation-io.ts';
import type { Services } from '../src/services.ts';
import { allowedHostsFrom, hostnameOf } from './allowed-hosts.ts';
import { answerToolCall, plainToolCall } from './direct-call.ts';
import { gateMcpRequest, jsonRpcRejection, passesUnchecked, singleId } from './http-gate.ts';
import { framePost, type HttpAnswer, JsonResponseTransport } from './json-transport.ts';
import { createIrisMcpServer, type McpServerOptions, type ToolCaller } from './mcp-server.ts';
import { pipelineCaller } from './pipeline-caller.ts';
import { createToolCatalog } from './tool-catalog.ts';

/** A 500-contact bulk import with long notes fits with room to spare. */
export const MCP_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export interface McpRouterOptions extends McpServerOptions {
  path?: string;
  /** Overrides MCP_ALLOWED_HOSTS (comma-separated; `*` for any host). */
  allowedHosts?: string;
  /** Overrides MCP_TRANSPORT. */
  transport?: 'json' | 'sdk';
}

function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}) {
  return { status, headers, body: { jsonrpc: '2.0', id: null, error: { code, message } } };
}

function write(res: ServerResponse, answer: HttpAnswer): void {
  if (answer.body === undefined) {
    res.statusCode = answer.status;
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.end();
    return;
  }
  send(res, { status: answer.status, headers: answer.headers, body: answer.body, text: answer.text });
}

export function mcpRouter(
  services: Services,
  operations: readonly Operation[],
  options: McpRouterOptions = {},
) {
  const path = options.path ?? '/mcp';
  const catalog = createToolCatalog(operations);
  const allowedHosts = allowedHostsFrom(
    options.allowedHosts ?? services.env.MCP_ALLOWED_HOSTS,
    services.env.HOST,
  );
  const limit = Math.max(MCP_BODY_LIMIT_BYTES, services.env.IRIS_BODY_LIMIT_BYTES);
  const streaming = (options.transport ?? services.env.MCP_TRANSPORT) === 'sdk';

  /** Through an SDK server of its own (a stateless transport serves one request). */
  async function answerWithServer(messages: JSONRPCMessage[], caller: ToolCaller): Promise<HttpAnswer> {
    const server = createIrisMcpServer(catalog, caller, options);
    const transport = new JsonResponseTransport();
    await server.connect(transport);
    // Not closed afterwards: it holds nothing once answered, and closing allocates an error per request.
    return transport.exchange(messages);
  }

  /**
   * Through the SDK's own Streamable HTTP transport, stateless (a new one per request), which streams the
   * answer as SSE; it frames and answers the request itself.
   */
  async function streamWithSdk(
    req: IncomingMessage,
    res: ServerResponse,
    body: unknown,
    caller: ToolCaller,
  ): Promise<void> {
    const server = createIrisMcpServer(catalog, caller, options);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await server.connect(transport);
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await transport.handleRequest(req, res, body);
  }

  async function post(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: unknown;
    try {
      body = await readJsonBody(req, limit);
    } catch (error) {
      const tooLarge = (error as { code?: string }).code === 'SERVER_011';
      write(
        res,
        tooLarge
          ? jsonRpcError(413, -32600, `request body too large (limit ${limit} bytes)`)
          : jsonRpcError(
              400,
              -32700,
              `Parse error: ${error instanceof Error ? error.message : 'invalid JSON'}`,
            ),
      );
      return;
    }
    const messages = framePost(req.headers, body);
    if (!Array.isArray(messages)) {
      write(res, messages);
      return;
    }
    const requestId = requestIdOf(res);
    const gate = {
      authorization: req.headers.authorization,
      ip: clientIp(req),
      requestId,
      messages,
      authenticateCalls: streaming,
    };
    const rejection = passesUnchecked(catalog, gate)
      ? undefined
      : await gateMcpRequest(services, catalog, gate);
    if (rejection) {
      send(res, rejection);
      return;
    }
    let unauthorized: OperationResponse | undefined;
    // The same address and key the gate saw: read from the request once.
    const caller = pipelineCaller(services, gate, (response) => {
      unauthorized ??= response;
    });
    if (streaming) {
      await streamWithSdk(req, res, body, caller);
      return;
    }
    // framePost has checked the message; a batch, even of one, goes to the SDK server.
    const single = plainToolCall(body);
    const answer = single
      ? await answerToolCall(catalog, caller, single, options)
      : await answerWithServer(messages, caller);
    if (unauthorized) send(res, jsonRpcRejection(unauthorized, singleId(messages)));
    else write(res, answer);
  }

  return function mcpEndpoint(req: IncomingMessage, res: ServerResponse, next: Next): void {
    if (pathOf(req.url ?? '/') !== path) {
      next();
      return;
    }
    const hostname = hostnameOf(req.headers.host ?? '');
    if (allowedHosts && (hostname === undefined || !allowedHosts.includes(hostname))) {
      write(res, jsonRpcError(403, -32000, `host not allowed: ${req.headers.host ?? '(none)'}`));
      return;
    }
    if (req.method !== 'POST') {
      const allow = { Allow: 'POST' };
      write(
        res,
        jsonRpcError(405, -32000, 'Method not allowed: this MCP server is stateless; use POST', allow),
      );
      return;
    }
    post(req, res).catch((failure: unknown) => {
      services.logger.error('mcp request failed', { requestId: requestIdOf(res), ...errorFields(failure) });
      if (!res.headersSent) write(res, jsonRpcError(500, -32603, 'Internal error'));
    });
  };
}
