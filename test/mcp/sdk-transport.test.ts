/**
 * What /mcp hands to the SDK's StreamableHTTPServerTransport (JSON response mode): everything but a lone
 * plain tools/call — batches, initialize, tools/list, notifications — answered as JSON, in request order,
 * 202 for notifications only, the SDK's own errors for malformed requests, and a missing or bad key
 * answered with HTTP 401 before the transport runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { bearer, initialize, postMcpRaw, type Structured, toolCall } from './mcp-client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('/mcp through the SDK transport', () => {
  it('answers a batch in request order, as JSON', async () => {
    const response = await postMcpRaw(
      server.url,
      [
        toolCall('keys_me', {}, 'first'),
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        toolCall('campaigns_list', { limit: 1 }, 'second'),
      ],
      bearer(server.adminKey),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{24}$/);
    const body = (await response.json()) as { id: string; result: { structuredContent: Structured } }[];
    expect(body.map((reply: { id: string }) => reply.id)).toEqual(['first', 'second']);
    const rest = await api(server.url, 'GET', '/keys/me', { key: server.adminKey });
    expect(body[0]?.result.structuredContent.data.id).toBe(rest.body.data.id);
    expect(body[1]?.result.structuredContent.meta.pagination.limit).toBe(1);
  });

  it('answers notifications alone with 202 and no body', async () => {
    const response = await postMcpRaw(
      server.url,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      bearer(server.adminKey),
    );
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  it('leaves malformed requests to the SDK to refuse', async () => {
    const twoInits = await postMcpRaw(server.url, [initialize(1), initialize(2)], bearer(server.adminKey));
    expect(twoInits.status).toBe(400);
    const sameId = await postMcpRaw(
      server.url,
      [toolCall('keys_me', {}, 1), toolCall('keys_me', {}, 1)],
      bearer(server.adminKey),
    );
    expect(sameId.status).toBe(400);
    expect(((await sameId.json()) as { error: { code: number } }).error.code).toBe(-32600);
    const notRpc = await postMcpRaw(server.url, { hello: 'world' }, bearer(server.adminKey));
    expect(notRpc.status).toBe(400);
    expect(((await notRpc.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const wrongType = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { accept: 'application/json, text/event-stream', 'content-type': 'text/plain' },
      body: JSON.stringify(toolCall('keys_me', {}, 1)),
    });
    expect(wrongType.status).toBe(415);
  });

  it('answers a missing or bad key with HTTP 401 before the transport runs', async () => {
    const batch = [toolCall('keys_me', {}, 3)];
    const attempts: Record<string, string>[] = [{}, { authorization: `Bearer is_live_${'x'.repeat(30)}` }];
    for (const headers of attempts) {
      const response = await postMcpRaw(server.url, batch, headers);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toContain('Bearer');
    }
  });
});
