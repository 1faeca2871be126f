/**
 * Tool calls of the stdio server: each one is forwarded to a running iris over REST (IRIS_API_URL with
 * IRIS_API_KEY) and its envelope turned into the same tool result the remote server gives.
 */
import { callOperation, type RestClientOptions } from '../src/client/rest-client.ts';
import { newRequestId } from '../src/http/middleware/request-id.ts';
import { pathParams } from '../src/operations/define-operation.ts';
import type { RailWire } from '../src/services.ts';
import { headersFromMeta } from './call-meta.ts';
import type { ToolCaller } from './mcp-server.ts';
import { errorResult, toToolResult } from './tool-result.ts';

/** How long one forwarded call may take (paid calls wait for a chain settlement). */
export const REST_TIMEOUT_MS = 120_000;

function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

export function restCaller(
  options: RestClientOptions,
  rails: readonly RailWire[],
  timeoutMs: number = REST_TIMEOUT_MS,
): ToolCaller {
  const baseFetch = options.fetch ?? fetch;
  const client: RestClientOptions = {
    ...options,
    fetch: (url, init) => baseFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) }),
  };
  return async (operation, args, meta) => {
    // Same message as the pipeline's validation, without a round trip that could not be routed anyway.
    const missing = pathParams(operation.path).find((name) => args[name] === undefined || args[name] === '');
    if (missing) return errorResult('SERVER_005', `invalid input - ${missing}: required`, newRequestId());
    try {
      const response = await callOperation(
        client,
        operation,
        args,
        await headersFromMeta(meta, Boolean(options.apiKey), rails),
      );
      return await toToolResult(
        {
          status: response.status,
          header: (name) => response.headers.get(name) ?? undefined,
          body: response.body,
        },
        rails,
      );
    } catch (error) {
      return errorResult(
        'SERVER_009',
        `cannot reach iris at ${options.baseUrl}: ${messageOf(error)}`,
        newRequestId(),
      );
    }
  };
}
