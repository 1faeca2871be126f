/**
 * The hand-written JSON-RPC framing of the remote endpoint against the SDK's own schema: the fast path
 * must accept exactly what JSONRPCMessageSchema accepts (property test), and the transport answers
 * requests in order and refuses to serve twice.
 */
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { framePost, isJsonRpcMessage, JsonResponseTransport } from '../../mcp/json-transport.ts';

const HEADERS = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };

const value = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constantFrom('2.0', '1.0', 'tools/call', ''),
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 53, -(2 ** 53), 1e21, -0),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  fc.record(
    {
      name: fc.string(),
      _meta: fc.oneof(
        fc.constant({}),
        fc.constant(1),
        fc.record({ progressToken: fc.oneof(fc.string(), fc.double(), fc.constant(null)) }),
      ),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    { code: fc.oneof(fc.integer(), fc.double(), fc.string()), message: fc.oneof(fc.string(), fc.integer()) },
    { requiredKeys: [] },
  ),
);

const message = fc.record(
  {
    jsonrpc: fc.oneof(fc.constant('2.0'), value),
    id: value,
    method: fc.oneof(fc.constantFrom('tools/call', 'initialize', 'notifications/initialized'), value),
    params: value,
    result: value,
    error: value,
    extra: value,
  },
  { requiredKeys: [] },
);

describe('isJsonRpcMessage', () => {
  it('accepts exactly what the SDK schema accepts', () => {
    fc.assert(
      fc.property(message, (candidate) => {
        // Keys set to undefined are absent in JSON.
        const json = JSON.parse(JSON.stringify(candidate));
        expect(isJsonRpcMessage(json)).toBe(JSONRPCMessageSchema.safeParse(json).success);
      }),
      { numRuns: 10_000 },
    );
  });

  it('takes the usual messages', () => {
    for (const ok of [
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'keys_me', arguments: {}, _meta: { x: 1 } },
      },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 'a', result: {} },
      { jsonrpc: '2.0', id: 2, error: { code: -1, message: 'x' } },
    ]) {
      expect(isJsonRpcMessage(ok)).toBe(true);
    }
    for (const bad of [
      null,
      [],
      { jsonrpc: '2.0', id: null, method: 'x' },
      { jsonrpc: '2.0', id: 1.5, method: 'x' },
    ]) {
      expect(isJsonRpcMessage(bad)).toBe(false);
    }
  });
});

describe('JsonResponseTransport', () => {
  it('answers a batch in request order once every response is in, and serves one POST only', async () => {
    const transport = new JsonResponseTransport();
    transport.onmessage = (incoming) => {
      if ('id' in incoming && 'method' in incoming) {
        const delay = incoming.id === 'first' ? 20 : 0;
        setTimeout(
          () => void transport.send({ jsonrpc: '2.0', id: incoming.id, result: { from: incoming.id } }),
          delay,
        );
      }
    };
    const messages = framePost(HEADERS, [
      { jsonrpc: '2.0', id: 'first', method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 'second', method: 'ping' },
    ]);
    if (!Array.isArray(messages)) throw new Error('not framed');
    const answer = await transport.exchange(messages);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([
      { jsonrpc: '2.0', id: 'first', result: { from: 'first' } },
      { jsonrpc: '2.0', id: 'second', result: { from: 'second' } },
    ]);
    await expect(transport.exchange(messages)).rejects.toThrow('exactly one request');
  });

  it('answers 202 to notifications only, and frames errors like the SDK', async () => {
    const transport = new JsonResponseTransport();
    const seen: unknown[] = [];
    transport.onmessage = (incoming) => seen.push(incoming);
    const note = { jsonrpc: '2.0', method: 'notifications/initialized' };
    const messages = framePost(HEADERS, note);
    if (!Array.isArray(messages)) throw new Error('not framed');
    expect(await transport.exchange(messages)).toEqual({ status: 202, headers: {} });
    expect(seen).toEqual([note]);
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} };
    expect(framePost(HEADERS, [init, { ...init, id: 2 }])).toMatchObject({ status: 400 });
    expect(framePost({ ...HEADERS, 'mcp-protocol-version': '2025-06-18' }, init)).toHaveLength(1);
    expect(framePost({ ...HEADERS, 'content-type': 'application/json; charset=utf-8' }, init)).toHaveLength(
      1,
    );
    expect(framePost({ ...HEADERS, 'content-type': 'application/jsonx' }, init)).toMatchObject({
      status: 415,
    });
  });
});
