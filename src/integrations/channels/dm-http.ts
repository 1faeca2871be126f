/**
 * JSON over HTTPS for the DM adapters (Instagram Graph API, X API v2) with built-in fetch: a Bearer
 * token, a time limit, and every failure turned into a ChannelFailure that keeps the platform's own
 * error text. 429, 5xx, timeouts and network errors are transient (sending later can work); another 4xx
 * (a bad recipient, a forbidden DM, a refused token) is permanent. The token never appears in an error.
 */
import { ChannelFailure } from './channel-port.ts';

export const DM_TIMEOUT_MS = 15_000;

export interface DmHttpOptions {
  /** Platform name that starts every error message (`instagram`, `x`). */
  platform: string;
  /** The platform's error text in an error body, if it has one. */
  errorText(body: unknown): string | undefined;
  /** Whether an error body says the failure is temporary even though its status is a 4xx. */
  transientBody?(body: unknown): boolean;
  timeoutMs?: number;
}

export interface DmRequest {
  method: 'GET' | 'POST';
  url: string;
  accessToken: string;
  body?: unknown;
}

/** A JSON object's field, or undefined. */
export function field(value: unknown, name: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return (value as Record<string, unknown>)[name];
}

export function stringField(value: unknown, name: string): string | undefined {
  const found = field(value, name);
  if (typeof found === 'string' && found.length > 0) return found;
  if (typeof found === 'number') return String(found);
  return undefined;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** Sends one request; answers the parsed JSON body of a 2xx, or throws a ChannelFailure. */
export async function dmRequest(options: DmHttpOptions, request: DmRequest): Promise<unknown> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${request.accessToken}`,
    accept: 'application/json',
  };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  let text: string;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers,
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
      signal: AbortSignal.timeout(options.timeoutMs ?? DM_TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new ChannelFailure('transient', `${options.platform}: request failed (${reason})`);
  }
  const body = parseJson(text);
  if (response.ok) return body;
  const detail = options.errorText(body) ?? (text.trim().slice(0, 200) || response.statusText);
  const transient = isTransientStatus(response.status) || (options.transientBody?.(body) ?? false);
  throw new ChannelFailure(
    transient ? 'transient' : 'permanent',
    `${options.platform} ${response.status}: ${detail}`,
  );
}

/**
 * The bare handle of a contact's handle as people write it: `@nina`, `nina`, or a profile URL
 * (`https://x.com/nina`, `instagram.com/nina/`). Undefined when nothing handle-like is left.
 */
export function bareHandle(raw: string): string | undefined {
  let handle = raw.trim();
  const url = /^(?:https?:\/\/)?(?:www\.|mobile\.)?(?:instagram\.com|x\.com|twitter\.com)\/([^/?#]+)/i.exec(
    handle,
  );
  if (url?.[1]) handle = url[1];
  handle = handle.replace(/^@+/, '').replace(/\/+$/, '');
  return /^[A-Za-z0-9._]+$/.test(handle) ? handle : undefined;
}
