/**
 * MCP_TRANSPORT=sdk: /mcp answered by the SDK's own StreamableHTTPServerTransport (stateless, one per
 * request), which streams each answer as SSE. The SDK Client works against it as against the default
 * JSON transport, with the same tools, results and HTTP-level 401s.
 */
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../src/operations/registry.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { bearer, connectMcp, postMcpRaw, structured, textJson, toolCall } from './mcp-client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ MCP_TRANSPORT: 'sdk' });
});
afterAll(() => server?.close());

describe('MCP over the SDK transport (SSE)', () => {
  it('streams a tool call as an SSE event carrying the JSON-RPC response', async () => {
    const response = await postMcpRaw(server.url, toolCall('keys_me', {}, 9), bearer(server.adminKey));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{24}$/);
    const text = await response.text();
    const data = text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)));
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ jsonrpc: '2.0', id: 9, result: { structuredContent: { data: {} } } });
  });

  it('serves the SDK Client: tools/list, reads, writes and error results', async () => {
    const client = await connectMcp(server.url, bearer(server.adminKey));
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(operations.length);
    const me = await client.callTool({ name: 'keys_me', arguments: {} });
    const rest = await api(server.url, 'GET', '/keys/me', { key: server.adminKey });
    expect(structured(me).data.id).toBe(rest.body.data.id);
    expect(textJson(me)).toEqual(structured(me));
    const created = await client.callTool({
      name: 'campaigns_create',
      arguments: { name: 'over SSE', objective_type: 'product_promotion' },
    });
    expect(structured(created).data).toMatchObject({ name: 'over SSE', status: 'draft' });
    const missing = await client.callTool({ name: 'campaigns_get', arguments: { id: 'nope' } });
    expect(missing.isError).toBe(true);
    expect(structured(missing).code).toBe('CAMP_001');
    await client.close();
  });

  it('answers a missing or invalid key with HTTP 401 before any stream starts', async () => {
    const attempts: Record<string, string>[] = [{}, { authorization: `Bearer is_live_${'x'.repeat(30)}` }];
    for (const headers of attempts) {
      const response = await postMcpRaw(server.url, toolCall('keys_me', {}, 3), headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
    }
    // An invalid key fails every method, initialize included, as with the JSON transport.
    await expect(
      connectMcp(server.url, { authorization: `Bearer is_live_${'y'.repeat(30)}` }),
    ).rejects.toBeInstanceOf(StreamableHTTPError);
  });
});
