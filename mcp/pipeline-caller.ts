/**
 * Tool calls of the remote MCP server: each one runs through the same pipeline as REST
 * (executeOperation) with the HTTP request's Authorization header plus the credentials of `_meta`, so a
 * key has the same principal, scopes and rate limits on both surfaces.
 */
import { newRequestId } from '../src/http/middleware/request-id.ts';
import { isMutation, type Operation, pathParams } from '../src/operations/define-operation.ts';
import { executeOperation } from '../src/pipeline/execute-operation.ts';
import type { OperationResponse } from '../src/pipeline/operation-io.ts';
import type { Services } from '../src/services.ts';
import { headersFromMeta } from './call-meta.ts';
import type { ToolCaller } from './mcp-server.ts';
import { headerLookup, toToolResult } from './tool-result.ts';

const pathParamsOf = new WeakMap<Operation, ReadonlySet<string>>();

/** Splits tool arguments the way REST does: path parameters, then the query (reads) or body (writes). */
function rawInputOf(operation: Operation, args: Record<string, unknown>) {
  let names = pathParamsOf.get(operation);
  if (!names) {
    names = new Set(pathParams(operation.path));
    pathParamsOf.set(operation, names);
  }
  const params: Record<string, string> = {};
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    if (names.has(name)) {
      if (value !== undefined && value !== null) params[name] = String(value);
    } else rest[name] = value;
  }
  return isMutation(operation) ? { params, query: {}, body: rest } : { params, query: rest, body: undefined };
}

/**
 * The caller for one HTTP request. Its first tool call uses the request's X-Request-ID, so an error's
 * requestId matches the response header; later calls in a batch get ids of their own. A call the
 * pipeline answers with 401 (the key does not authenticate) is handed to `onUnauthorized`: the whole
 * HTTP request then becomes that 401.
 */
export function pipelineCaller(
  services: Services,
  request: { authorization: string | undefined; ip: string; requestId: string },
  onUnauthorized: (response: OperationResponse) => void,
): ToolCaller {
  const { authorization, ip } = request;
  const hasBearer = authorization !== undefined && /^\s*bearer\s/i.test(authorization);
  let nextId: string | undefined = request.requestId;
  return async (operation, args, meta) => {
    const headers: Record<string, string> = await headersFromMeta(meta, hasBearer, services.railWires);
    if (authorization !== undefined && headers.authorization === undefined)
      headers.authorization = authorization;
    const id = nextId ?? newRequestId();
    nextId = undefined;
    const response = await executeOperation(services, operation, {
      requestId: id,
      ip,
      header: (name) => headers[name],
      ...rawInputOf(operation, args),
    });
    if (response.status === 401) onUnauthorized(response);
    return toToolResult(
      { status: response.status, header: headerLookup(response.headers), body: response.body },
      services.railWires,
    );
  };
}
