/**
 * The remote MCP endpoint, a route of the express app for POST /mcp: Streamable HTTP, stateless, JSON answers.
 * The SDK's StreamableHTTPServerTransport (a new one and a new server per request: a stateless transport
 * serves one) answers everything, except the common request, a POST holding one plain tools/call, which
 * is answered directly (direct-call.ts: same answer, a third of the cost). Before either runs, the HTTP
 * gate turns a missing or bad key into a real 401. GET and DELETE get 405 (no sessions, no stream).
 */
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import {
  type JSONRPCMessage,
  JSONRPCMessageSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/sdk/types.js';
import type { Express, NextFunction, Request, Response } from 'express';
import { ApiError } from '../src/errors/api-error.ts';
import { jsonBody } from '../src/http/middleware/json-body.ts';
import { requestIdOf } from '../src/http/middleware/request-id.ts';
import { send } from '../src/http/send.ts';
import { errorFields } from '../src/logger.ts';
import type { Operation } from '../src/operations/define-operation.ts';
import type { OperationResponse } from '../src/pipeline/operation-io.ts';
import type { Services } from '../src/services.ts';
import { allowedHostsFrom, hostnameOf } from './allowed-hosts.ts';
import { answerToolCall, type HttpAnswer, plainToolCall } from './direct-call.ts';
import { type GateRequest, gateMcpRequest, jsonRpcRejection, passesUnchecked } from './http-gate.ts';
import { createIrisMcpServer, type McpServerOptions } from './mcp-server.ts';
import { pipelineCaller } from './pipeline-caller.ts';
import { createToolCatalog } from './tool-catalog.ts';

/** A 500-contact bulk import with long notes fits with room to spare. */
export const MCP_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export interface McpRouterOptions extends McpServerOptions {
  path?: string;
  /** Overrides MCP_ALLOWED_HOSTS (comma-separated; `*` for any host). */
  allowedHosts?: string;
}

function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}) {
  return { status, headers, body: { jsonrpc: '2.0', id: null, error: { code, message } } };
}

function write(res: Response, answer: HttpAnswer): void {
  send(res, { status: answer.status, headers: answer.headers, body: answer.body, text: answer.text });
}

/**
 * A lone `tools/call` request whose params are not an object naming the tool (with object arguments):
 * JSON-RPC's -32602 Invalid params, answered here (the SDK would answer it as an internal error).
 */
function invalidToolCall(body: unknown): HttpAnswer | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const message = body as Record<string, unknown>;
  if (message.method !== 'tools/call' || message.id === undefined || message.id === null) return undefined;
  const isObject = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === 'object' && !Array.isArray(value);
  const params = message.params;
  if (isObject(params) && typeof params.name === 'string') {
    if (params.arguments === undefined || isObject(params.arguments)) return undefined;
  }
  return {
    status: 200,
    headers: {},
    body: {
      jsonrpc: '2.0',
      id: message.id,
      error: {
        code: -32602,
        message: 'Invalid params: tools/call takes params {name, arguments?} with arguments an object',
      },
    },
  };
}

/** The headers the SDK's transport would accept a POST with; anything else is left to it to answer. */
function plainPost(req: Request): boolean {
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return false;
  if (!isJsonContentType(req.headers['content-type'])) return false;
  const version = req.headers['mcp-protocol-version'];
  return (
    version === undefined || (typeof version === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(version))
  );
}

/** The POST's JSON-RPC messages when all are well formed (the gate reads them), else undefined. */
function messagesOf(body: unknown): JSONRPCMessage[] | undefined {
  const list: unknown[] = Array.isArray(body) ? body : [body];
  if (list.length === 0) return undefined;
  const messages: JSONRPCMessage[] = [];
  for (const item of list) {
    const parsed = JSONRPCMessageSchema.safeParse(item);
    if (!parsed.success) return undefined;
    messages.push(parsed.data);
  }
  return messages;
}

/** Adds the /mcp route (and its error answers) to `app`. */
export function mountMcp(
  app: Express,
  services: Services,
  operations: readonly Operation[],
  options: McpRouterOptions = {},
): void {
  const path = options.path ?? '/mcp';
  const catalog = createToolCatalog(operations, services.railWires);
  const serverOptions = { ...options, rails: services.railWires };
  const allowedHosts = allowedHostsFrom(
    options.allowedHosts ?? services.env.MCP_ALLOWED_HOSTS,
    services.env.HOST,
  );
  const limit = Math.max(MCP_BODY_LIMIT_BYTES, services.env.IRIS_BODY_LIMIT_BYTES);

  const gateFor = (req: Request, res: Response, messages: JSONRPCMessage[]): GateRequest => ({
    authorization: req.headers.authorization,
    ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
    requestId: requestIdOf(res),
    messages,
  });

  /** A lone plain tools/call: the gate, then the call answered without an SDK server. */
  async function direct(req: Request, res: Response, body: unknown): Promise<boolean> {
    const call = plainPost(req) ? plainToolCall(body) : undefined;
    if (!call) return false;
    const gate = gateFor(req, res, [body as JSONRPCMessage]);
    const rejection = passesUnchecked(catalog, gate)
      ? undefined
      : await gateMcpRequest(services, catalog, gate);
    if (rejection) {
      send(res, rejection);
      return true;
    }
    let unauthorized: OperationResponse | undefined;
    // A 401 from the pipeline (the key does not authenticate) becomes the whole HTTP answer.
    const caller = pipelineCaller(services, gate, (response) => {
      unauthorized ??= response;
    });
    const answer = await answerToolCall(catalog, caller, call, options);
    if (unauthorized) send(res, jsonRpcRejection(unauthorized, call.id));
    else write(res, answer);
    return true;
  }

  /** Anything else, through the SDK's transport. */
  async function throughSdk(req: Request, res: Response, body: unknown): Promise<void> {
    const messages = messagesOf(body);
    // The SDK answers a batch by request id: two requests with one id would both run, one unanswered.
    const ids = (messages ?? []).flatMap((m) => ('method' in m && 'id' in m ? [m.id] : []));
    if (new Set(ids).size !== ids.length) {
      write(res, jsonRpcError(400, -32600, 'Invalid Request: duplicate request ids'));
      return;
    }
    // The SDK answers the request's status before its tools run, so a key is checked here first.
    const gate = { ...gateFor(req, res, messages ?? []), authenticateCalls: true };
    if (messages) {
      const rejection = await gateMcpRequest(services, catalog, gate);
      if (rejection) {
        send(res, rejection);
        return;
      }
    }
    const server = createIrisMcpServer(
      catalog,
      pipelineCaller(services, gate, () => {}),
      serverOptions,
    );
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await transport.handleRequest(req, res, body);
  }

  app.all(
    path,
    (req: Request, res: Response, next: NextFunction) => {
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
      next();
    },
    jsonBody(limit),
    (req: Request, res: Response, next: NextFunction) => {
      res.locals.route = 'mcp';
      const body: unknown = req.body;
      const invalid = invalidToolCall(body);
      if (invalid) {
        write(res, invalid);
        return;
      }
      direct(req, res, body)
        .then((answered) => (answered ? undefined : throughSdk(req, res, body)))
        .catch(next);
    },
  );
  app.use(path, (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    const unreadable = error instanceof ApiError ? error : undefined;
    if (unreadable?.code === 'SERVER_011') {
      write(res, jsonRpcError(413, -32600, `request body too large (limit ${limit} bytes)`));
    } else if (unreadable) {
      write(res, jsonRpcError(400, -32700, `Parse error: ${unreadable.message}`));
    } else {
      services.logger.error('mcp request failed', { requestId: requestIdOf(res), ...errorFields(error) });
      if (res.headersSent) next(error);
      else write(res, jsonRpcError(500, -32603, 'Internal error'));
    }
  });
}
