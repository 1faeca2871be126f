/**
 * The JSON boundary every request body crosses, REST and MCP alike: bytes that are not UTF-8 are
 * refused (never silently replaced), nesting deeper than iris takes is refused before anything walks it
 * (no stack overflow, no internal error), and an MCP `tools/call` without proper params is -32602.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../src/http/middleware/json-body.ts';
import { expectErrorEnvelope, jsonOf } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { bearer } from '../mcp/mcp-client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

function post(path: string, body: Buffer | string, headers: Record<string, string> = {}) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${server.adminKey}`,
      'content-type': 'application/json',
      ...(path === '/mcp'
        ? { accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' }
        : {}),
      ...headers,
    },
    body,
  });
}

/** `{"a":{"a":…}}` nested `depth` objects deep, around `inner`. */
const deep = (depth: number, inner = '1') => `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;

const toolCallText = (args: string, meta = '{}') =>
  `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"campaigns_create","arguments":${args},"_meta":${meta}}}`;

describe('request bodies that are not UTF-8', () => {
  // FF FE are never UTF-8; C3 28 is a lead byte followed by a non-continuation byte.
  const invalid = Buffer.concat([
    Buffer.from('{"name":"'),
    Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
    Buffer.from('","objective_type":"product_promotion"}'),
  ]);

  it('are 400 SERVER_002 over REST, and nothing is created', async () => {
    const response = await post('/campaigns', invalid);
    const body = await jsonOf(response);
    expect(response.status).toBe(400);
    expectErrorEnvelope({ body, headers: response.headers }, 'SERVER_002');
    expect(body.error.message).toMatch(/UTF-8/);
    const list = await fetch(`${server.url}/campaigns`, {
      headers: { authorization: `Bearer ${server.adminKey}` },
    }).then(jsonOf);
    expect(list.data.map((c: { name: string }) => c.name).filter((n: string) => n.endsWith('('))).toEqual([]);
  });

  it('are a JSON-RPC parse error over MCP', async () => {
    const [before, after] = toolCallText('{"name":"?"}').split('?') as [string, string];
    const response = await post(
      '/mcp',
      Buffer.concat([Buffer.from(before), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(after)]),
    );
    expect(response.status).toBe(400);
    expect((await jsonOf(response)).error).toMatchObject({
      code: -32700,
      message: expect.stringMatching(/UTF-8/),
    });
  });

  it('still takes multi-byte UTF-8', async () => {
    const response = await post(
      '/campaigns',
      Buffer.from(JSON.stringify({ name: 'Café 東京 🚀', objective_type: 'product_promotion' })),
    );
    expect(response.status).toBe(201);
    expect((await jsonOf(response)).data.name).toBe('Café 東京 🚀');
  });
});

describe('nesting', () => {
  it('is measured without recursion', () => {
    expect(nestedDeeperThan(JSON.parse(deep(MAX_JSON_DEPTH)), MAX_JSON_DEPTH)).toBe(false);
    expect(nestedDeeperThan(JSON.parse(deep(MAX_JSON_DEPTH + 1)), MAX_JSON_DEPTH)).toBe(true);
    expect(nestedDeeperThan(JSON.parse(deep(100_000)), MAX_JSON_DEPTH)).toBe(true);
    expect(nestedDeeperThan([[[1]], { a: [2] }, 'x'], 3)).toBe(false);
  });

  it('10,000 levels deep is 400 SERVER_002 over REST', async () => {
    const response = await post(
      '/campaigns',
      `{"name":"x","objective_type":"product_promotion","k":${deep(10_000)}}`,
    );
    expect(response.status).toBe(400);
    expectErrorEnvelope({ body: await jsonOf(response), headers: response.headers }, 'SERVER_002');
  });

  it('10,000 levels deep in an MCP argument or _meta is a parse error, never an internal error', async () => {
    for (const body of [toolCallText(deep(10_000)), toolCallText('{}', deep(10_000))]) {
      const response = await post('/mcp', body);
      expect(response.status).toBe(400);
      const answer = await jsonOf(response);
      expect(answer.error.code).toBe(-32700);
      expect(answer.error.message).toMatch(/nested deeper/);
    }
  });
});

describe('tools/call without proper params', () => {
  it('is -32602 Invalid params, with the request id', async () => {
    const bodies = [
      { jsonrpc: '2.0', id: 3, method: 'tools/call' },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: {} },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 5 } },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'keys_me', arguments: [1] } },
    ];
    for (const message of bodies) {
      const response = await post('/mcp', JSON.stringify(message), bearer(server.adminKey));
      const answer = await jsonOf(response);
      expect(answer, JSON.stringify(message)).toMatchObject({
        jsonrpc: '2.0',
        id: 3,
        error: { code: -32602 },
      });
    }
    // A well-formed call still works.
    const ok = await post(
      '/mcp',
      JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'keys_me' } }),
    );
    expect((await jsonOf(ok)).result.structuredContent.data.id).toBeDefined();
  });
});

describe('requests the HTTP parser refuses', () => {
  /** Sends raw bytes and resolves with everything the server answers before closing. */
  function raw(text: string): Promise<string> {
    const { port } = new URL(server.url);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
      let answer = '';
      socket.on('data', (chunk) => {
        answer += chunk.toString('utf8');
      });
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
  }

  const envelopeOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

  it('answers headers over 16 KB with 431 and the error envelope', async () => {
    const response = await fetch(`${server.url}/keys/me`, {
      headers: { authorization: `Bearer ${server.adminKey}`, 'x-padding': 'a'.repeat(20_000) },
    });
    expect(response.status).toBe(431);
    const body = (await response.json()) as { error: { requestId: string } };
    expect(body).toMatchObject({ success: false, error: { code: 'SERVER_002' } });
    expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('answers a malformed request line with 400 and the error envelope', async () => {
    const answer = await raw('GARBAGE\r\n\r\n');
    expect(answer.startsWith('HTTP/1.1 400 ')).toBe(true);
    expect(envelopeOf(answer)).toMatchObject({ success: false, error: { code: 'SERVER_002' } });
  });
});
