/**
 * Decides at the HTTP level whether an MCP request may reach the MCP server, so MCP clients get a real
 * 401 with WWW-Authenticate instead of a tool error: a Bearer key must authenticate (for every method:
 * here, or in the pipeline for tool calls);
 * without one, only tools an agent may call keyless (payable ones) may be called — anything else is 401
 * APIKEY_001. initialize, tools/list and notifications never need a key.
 */

import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { principalKey } from '../src/domain/principal.ts';
import { ApiError } from '../src/errors/api-error.ts';
import type { Operation } from '../src/operations/define-operation.ts';
import { authenticate, BEARER_CHALLENGE } from '../src/pipeline/authenticate.ts';
import { errorResponse } from '../src/pipeline/execute-operation.ts';
import type { OperationResponse } from '../src/pipeline/operation-io.ts';
import { enforceRateLimit } from '../src/pipeline/rate-limit/limits.ts';
import type { Services } from '../src/services.ts';
import type { ToolCatalog } from './tool-catalog.ts';

export interface GateRequest {
  authorization: string | undefined;
  ip: string;
  requestId: string;
  /** The request's JSON-RPC messages, already validated. */
  messages: readonly JSONRPCMessage[];
  /**
   * Check the key here for tool calls too: when the answer streams (SSE), its status is sent before a
   * tool runs, so a 401 from the pipeline could no longer become the HTTP status.
   */
  authenticateCalls?: boolean;
}

/** The tool a message calls, if it is a tools/call. */
function toolNameOf(message: JSONRPCMessage): string | undefined {
  if (!('method' in message) || message.method !== 'tools/call') return undefined;
  const name = message.params?.name;
  return typeof name === 'string' ? name : undefined;
}

/** The id of a request that is the only message of its POST (what a rejection answers), else null. */
function singleId(messages: readonly JSONRPCMessage[]): RequestId | null {
  const only = messages.length === 1 ? messages[0] : undefined;
  return only && 'id' in only ? (only.id ?? null) : null;
}

/** An HTTP error answer carrying a JSON-RPC error whose `data` is the iris error. */
export function jsonRpcRejection(response: OperationResponse, id: RequestId | null): OperationResponse {
  const body = response.body as { error?: { code?: string; message?: string } };
  return {
    status: response.status,
    headers: response.headers,
    body: {
      jsonrpc: '2.0',
      id,
      error: { code: -32001, message: body.error?.message ?? 'request rejected', data: response.body },
    },
  };
}

/**
 * Operations an agent may call without a key: payable ones (it pays per call), free ones (`keyless`: a
 * quote) and ones it proves its identity for (`agentProof`: a sign-in or payment credential in `_meta`);
 * the pipeline decides each call.
 */
function keyless(operation: Operation): boolean {
  return operation.payment !== undefined || operation.keyless === true || operation.agentProof !== undefined;
}

/**
 * Tool calls of known tools with a Bearer key, answered as JSON: the pipeline authenticates each call (and
 * a 401 there becomes the HTTP answer), so there is nothing to check here. The common request, decided
 * without a promise.
 */
export function passesUnchecked(catalog: ToolCatalog, request: GateRequest): boolean {
  const authorization = request.authorization;
  if (request.authenticateCalls || authorization === undefined || !/^\s*bearer\s/i.test(authorization)) {
    return false;
  }
  if (request.messages.length === 0) return false;
  for (const message of request.messages) {
    const name = toolNameOf(message);
    if (name === undefined || catalog.operationOf(name) === undefined) return false;
  }
  return true;
}

/** Undefined: let the request through. Otherwise the HTTP response to send instead. */
export async function gateMcpRequest(
  services: Services,
  catalog: ToolCatalog,
  request: GateRequest,
): Promise<OperationResponse | undefined> {
  const { messages } = request;
  const reject = (error: unknown) =>
    jsonRpcRejection(errorResponse(services, error, request.requestId), singleId(messages));
  const now = services.clock();
  const authorization = request.authorization?.trim() || undefined;
  // `Authorization: Payment` is an MPP credential: the pipeline verifies it per tool call.
  const paying = authorization !== undefined && /^payment\s/i.test(authorization);
  const toolNames = messages.map(toolNameOf).filter((name) => name !== undefined);
  if (authorization !== undefined && !paying) {
    // Tool calls authenticate in the pipeline (once per call, as on REST), and a 401 there turns the
    // whole HTTP answer into that 401; only requests without a known tool call are checked here.
    if (
      !request.authenticateCalls &&
      toolNames.length > 0 &&
      toolNames.every((name) => catalog.operationOf(name) !== undefined)
    ) {
      return undefined;
    }
    try {
      await authenticate(services, authorization, now);
      return undefined;
    } catch (error) {
      try {
        // As in the pipeline: failed attempts count against the caller's address.
        await enforceRateLimit(services.rateLimits, `ip:${request.ip}`, undefined, now.getTime());
      } catch (limited) {
        return reject(limited);
      }
      return reject(error);
    }
  }
  const payable = services.payments !== undefined;
  const needsKey = toolNames.find((name) => {
    const operation = catalog.operationOf(name);
    return operation !== undefined && !(payable && keyless(operation));
  });
  if (needsKey === undefined) return undefined;
  try {
    // Counted like the pipeline counts an anonymous call, so this answer cannot be had for free.
    await enforceRateLimit(
      services.rateLimits,
      principalKey({ kind: 'anonymous' }, request.ip),
      undefined,
      now.getTime(),
    );
  } catch (limited) {
    return reject(limited);
  }
  return reject(
    new ApiError(
      'APIKEY_001',
      `missing API key: send Authorization: Bearer is_live_… (only payable tools can be called without one; ${needsKey} is not)`,
      { headers: { 'WWW-Authenticate': BEARER_CHALLENGE } },
    ),
  );
}
