/**
 * A small HTTP client for tests: sends JSON, returns status, headers and the parsed body.
 */
import { expect } from 'vitest';
export interface ApiResponse {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected freely
  body: any;
  text: string;
}

export interface ApiOptions {
  key?: string;
  body?: unknown;
  /** Sent as is (for malformed JSON tests). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export async function api(
  baseUrl: string,
  method: string,
  path: string,
  options: ApiOptions = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** Creates a key through the API with the given scopes and returns its raw value and id. */
export async function createKey(
  baseUrl: string,
  adminKey: string,
  scopes: string[],
  extra: Record<string, unknown> = {},
): Promise<{ key: string; id: string }> {
  const response = await api(baseUrl, 'POST', '/keys', {
    key: adminKey,
    body: { name: `test ${scopes.join(' ')}`, scopes, ...extra },
  });
  if (response.status !== 201) throw new Error(`key creation failed: ${response.status} ${response.text}`);
  return { key: response.body.data.key, id: response.body.data.id };
}

/** A fetch response's JSON, for tests to inspect freely. */
// biome-ignore lint/suspicious/noExplicitAny: test bodies are inspected freely
export async function jsonOf(response: Response): Promise<any> {
  return response.json();
}

/** The iris error envelope with this code, carrying the response's X-Request-ID and nothing else. */
export function expectErrorEnvelope(response: { body: unknown; headers: Headers }, code: string): void {
  const requestId = response.headers.get('x-request-id');
  expect(requestId).toMatch(/^req_[0-9a-f]{24}$/);
  expect(response.body).toEqual({
    success: false,
    error: { code, message: expect.any(String), requestId },
  });
}
