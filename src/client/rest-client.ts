/**
 * Calls one registry operation on a running iris over REST: path parameters into the path, the rest
 * of the input into the query (reads) or the JSON body (writes). Shared by the CLI and the stdio MCP
 * server, which both forward to a remote iris.
 */
import { isMutation, type Operation, pathParams } from '../operations/define-operation.ts';

export const DEFAULT_API_URL = 'https://api.iris-ai.dev';

export interface RestClientOptions {
  baseUrl: string;
  apiKey?: string;
  /** Extra headers on every call (e.g. payment credentials). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export interface RestResult {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  body: unknown;
}

export interface HttpRequestParts {
  method: string;
  path: string;
  body?: Record<string, unknown>;
}

/** Where each input field goes for this operation. */
export function requestFor(operation: Operation, input: Record<string, unknown>): HttpRequestParts {
  const params = new Set(pathParams(operation.path));
  const path = operation.path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    const value = input[name];
    if (value === undefined || value === null || value === '')
      throw new Error(`missing path parameter: ${name}`);
    return encodeURIComponent(String(value));
  });
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input))
    if (!params.has(name) && value !== undefined) rest[name] = value;
  if (isMutation(operation))
    return { method: operation.method, path, ...(Object.keys(rest).length > 0 ? { body: rest } : {}) };
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(rest)) {
    for (const item of Array.isArray(value) ? value : [value]) query.append(name, String(item));
  }
  const qs = query.toString();
  return { method: operation.method, path: qs ? `${path}?${qs}` : path };
}

export async function callOperation(
  options: RestClientOptions,
  operation: Operation,
  input: Record<string, unknown>,
  extraHeaders: Record<string, string> = {},
): Promise<RestResult> {
  const parts = requestFor(operation, input);
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers, ...extraHeaders };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  if (parts.body) headers['content-type'] = 'application/json';
  const response = await (options.fetch ?? fetch)(`${options.baseUrl.replace(/\/$/, '')}${parts.path}`, {
    method: parts.method,
    headers,
    body: parts.body ? JSON.stringify(parts.body) : undefined,
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body };
}
