/**
 * Sending one operation's input as a client would, and judging the answer: over REST (path parameters
 * in the path, GET input in the query string, anything else as a JSON body) and over the remote MCP
 * endpoint (`tools/call`, the tool named after the id). Judging: never a 5xx, always the documented
 * envelope with a catalogue code; over MCP never a JSON-RPC internal error (-32603).
 */
import { ERROR_CATALOGUE } from '../../src/errors/catalogue.ts';
import { type Operation, pathParams } from '../../src/operations/define-operation.ts';
import { Deep, jsonText } from './schema-arbitrary.ts';

export interface WireAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** Undefined when the text is not JSON. */
  json: unknown;
  /** What was sent, for failure messages: `METHOD path` or the tool name. */
  sent: string;
}

/**
 * Longest percent-encoded value put into a URL, and longest query: Node refuses a request line over its
 * header limit (16 KB) with a bare 431 before iris sees the request, so longer values are cut here (JSON
 * bodies and MCP carry them whole).
 */
export const MAX_URL_VALUE = 1_500;
const MAX_QUERY = 8_000;

/** Percent-encoding of any JavaScript string, lone surrogates as their (invalid) three UTF-8 bytes. */
export function percentEncode(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      const bytes = [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)];
      out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(char);
  }
  return out;
}

/** A value as a URL carries it, percent-encoded, cut to MAX_URL_VALUE. */
function urlValue(value: unknown): string {
  const text = typeof value === 'string' ? value : value instanceof Deep ? value.text : jsonText(value);
  let encoded = percentEncode(text.slice(0, MAX_URL_VALUE));
  if (encoded.length > MAX_URL_VALUE)
    encoded = encoded.slice(0, MAX_URL_VALUE).replace(/%[0-9A-F]{0,2}$/, '');
  return encoded;
}

export interface RestRequest {
  method: string;
  path: string;
  /** JSON text (or raw bytes); undefined for GET. */
  body: string | Buffer | undefined;
}

/** The REST request carrying `input` for `operation`. */
export function restRequest(operation: Operation, input: Record<string, unknown>): RestRequest {
  const params = new Set(pathParams(operation.path));
  let path = operation.path.replace(/:([A-Za-z0-9_]+)/g, (_match, name: string) =>
    input[name] === undefined ? '' : urlValue(input[name]),
  );
  const rest = Object.fromEntries(Object.entries(input).filter(([name]) => !params.has(name)));
  if (operation.method !== 'GET') return { method: operation.method, path, body: jsonText(rest) };
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) && value.length <= 10 ? value : [value];
    for (const item of values) pairs.push(`${urlValue(name)}=${urlValue(item)}`);
  }
  const query = pairs.join('&');
  if (pairs.length > 0)
    path += `?${query.length > MAX_QUERY ? query.slice(0, query.lastIndexOf('&', MAX_QUERY)) : query}`;
  return { method: 'GET', path, body: undefined };
}

async function answerOf(response: Response, sent: string): Promise<WireAnswer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json, sent };
}

export async function sendRest(
  baseUrl: string,
  key: string,
  request: RestRequest,
  headers: Record<string, string> = {},
): Promise<WireAnswer> {
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: request.body,
  });
  return answerOf(response, `${request.method} ${request.path.slice(0, 200)}`);
}

export function callRest(
  baseUrl: string,
  key: string,
  operation: Operation,
  input: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<WireAnswer> {
  return sendRest(baseUrl, key, restRequest(operation, input), headers);
}

export const toolNameOf = (operation: Operation) => operation.id.replace(/\./g, '_');

let rpcId = 0;

/**
 * `tools/call` of the operation's tool with `input` as arguments. `throughSdk` adds a progress token,
 * which sends the call through the SDK's server instead of iris's direct answer of plain calls.
 */
export async function callMcp(
  baseUrl: string,
  key: string,
  operation: Operation,
  input: unknown,
  options: { throughSdk?: boolean } = {},
): Promise<WireAnswer> {
  rpcId += 1;
  const meta = options.throughSdk ? ',"_meta":{"progressToken":1}' : '';
  const body = `{"jsonrpc":"2.0","id":${rpcId},"method":"tools/call","params":{"name":${JSON.stringify(
    toolNameOf(operation),
  )},"arguments":${jsonText(input)}${meta}}}`;
  const response = await fetch(`${baseUrl}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
    },
    body,
  });
  return answerOf(response, `tools/call ${toolNameOf(operation)}${options.throughSdk ? ' (SDK)' : ''}`);
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

const inCatalogue = (code: unknown): code is keyof typeof ERROR_CATALOGUE =>
  typeof code === 'string' && Object.hasOwn(ERROR_CATALOGUE, code);

const excerpt = (text: string) => JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…` : text);

/** What is wrong with a REST answer (empty: nothing). */
export function restProblems(answer: WireAnswer): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`status ${answer.status}`);
  const body = answer.json;
  if (!isObject(body)) return [...problems, `body is not a JSON object: ${excerpt(answer.text)}`];
  if (answer.status >= 200 && answer.status < 300) {
    if (body.success !== true || !('data' in body)) problems.push(`2xx without {success:true,data}`);
    return problems;
  }
  const error = body.error;
  if (body.success !== false || !isObject(error)) {
    return [...problems, `error answer without {success:false,error}: ${excerpt(answer.text)}`];
  }
  const keys = Object.keys(error).sort().join(',');
  if (keys !== 'code,message,requestId') problems.push(`error holds ${keys}, not code,message,requestId`);
  if (!inCatalogue(error.code)) problems.push(`code ${String(error.code)} is not in the catalogue`);
  else if (ERROR_CATALOGUE[error.code].status !== answer.status) {
    problems.push(
      `${error.code} answered with ${answer.status}, the catalogue says ${ERROR_CATALOGUE[error.code].status}`,
    );
  }
  if (typeof error.message !== 'string') problems.push('error.message is not a string');
  if (error.requestId !== answer.headers.get('x-request-id'))
    problems.push('error.requestId is not X-Request-ID');
  if (answer.status >= 500) problems.push(`${String(error.code)}: ${String(error.message)}`);
  return problems;
}

/** What is wrong with an MCP answer (empty: nothing). */
export function mcpProblems(answer: WireAnswer): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`HTTP ${answer.status}`);
  const body = answer.json;
  if (!isObject(body)) return [...problems, `body is not a JSON-RPC object: ${excerpt(answer.text)}`];
  if (body.error !== undefined) {
    const error = body.error;
    if (!isObject(error) || typeof error.code !== 'number') return [...problems, 'malformed JSON-RPC error'];
    if (error.code === -32603) problems.push(`JSON-RPC internal error: ${String(error.message)}`);
    return problems;
  }
  const result = body.result;
  if (!isObject(result)) return [...problems, `neither result nor error: ${excerpt(answer.text)}`];
  const structured = result.structuredContent;
  if (!isObject(structured)) return [...problems, 'result without structuredContent'];
  if (result.isError === true) {
    if (!inCatalogue(structured.code)) {
      problems.push(`isError code ${String(structured.code)} is not in the catalogue`);
    } else if (ERROR_CATALOGUE[structured.code].status >= 500) {
      problems.push(`isError ${structured.code}: ${String(structured.message)}`);
    }
    if (typeof structured.message !== 'string') problems.push('isError without a message');
    else if (structured.message.startsWith('unknown tool')) problems.push(structured.message);
    if (typeof structured.requestId !== 'string') problems.push('isError without a requestId');
  } else if (!('data' in structured)) problems.push('success result without data');
  return problems;
}

/** A short name for an answer's outcome, for the suite's tally: `REST 422 SERVER_005`, `MCP ok`. */
export function outcomeOf(transport: 'REST' | 'MCP', answer: WireAnswer): string {
  const body = isObject(answer.json) ? answer.json : {};
  if (transport === 'REST') {
    const error = isObject(body.error) ? body.error : undefined;
    return `REST ${answer.status}${error ? ` ${String(error.code)}` : ''}`;
  }
  if (isObject(body.error)) return `MCP JSON-RPC ${String(body.error.code)}`;
  const result = isObject(body.result) ? body.result : {};
  const structured = isObject(result.structuredContent) ? result.structuredContent : {};
  return result.isError === true ? `MCP isError ${String(structured.code)}` : 'MCP ok';
}
