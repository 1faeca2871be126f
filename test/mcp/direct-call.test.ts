/**
 * A lone plain tools/call is answered without an SDK server (mcp/direct-call.ts); the same call as a
 * one-message batch goes through the SDK's Server. Both must give the same answers — results, error
 * results and JSON-RPC errors — and results the SDK's own schema accepts.
 */
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainToolCall } from '../../mcp/direct-call.ts';
import { createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { bearer, postMcp, toolCall } from './mcp-client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

/** Request ids differ from one request to the next: blanked before comparing. */
function withoutRequestIds(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).replace(/req_[0-9a-f]{24}/g, 'req_…'));
}

async function bothWays(message: Record<string, unknown>, headers: Record<string, string>) {
  const direct = await postMcp(server.url, message, headers);
  const batch = await postMcp(server.url, [message], headers);
  expect(direct.status).toBe(batch.status);
  const viaServer = Array.isArray(batch.body) ? batch.body[0] : batch.body;
  expect(withoutRequestIds(direct.body)).toEqual(withoutRequestIds(viaServer));
  return direct.body as { result?: unknown; error?: unknown };
}

describe('tools/call without an SDK server', () => {
  it('answers results, error results and bad calls exactly as the SDK server does', async () => {
    const admin = bearer(server.adminKey);
    const reader = bearer((await createKey(server.url, server.adminKey, ['read'])).key);
    const cases: [Record<string, unknown>, Record<string, string>][] = [
      [toolCall('keys_me', {}, 1), admin],
      [toolCall('campaigns_list', { limit: 2 }, 'list'), admin],
      [toolCall('campaigns_create', { name: 'direct', objective_type: 'product_promotion' }, 3), reader],
      [toolCall('campaigns_get', { id: 'nope' }, 4), admin],
      [toolCall('campaigns_create', { name: '' }, 5), admin],
      [toolCall('no_such_tool', {}, 6), admin],
      [{ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'keys_me' } }, admin],
    ];
    for (const [message, headers] of cases) {
      const body = await bothWays(message, headers);
      expect(body.result, JSON.stringify(body)).toBeDefined();
      expect(CallToolResultSchema.safeParse(body.result).success).toBe(true);
    }
  });

  it('leaves anything unusual to the SDK server', () => {
    const call = toolCall('keys_me', {}, 1);
    expect(plainToolCall(call)).toEqual({
      id: 1,
      params: { name: 'keys_me', arguments: {}, _meta: undefined },
    });
    const unusual = [
      [call, call],
      [{ ...call, params: { ...call.params, _meta: { progressToken: 'p' } } }],
      [{ ...call, params: { ...call.params, task: { ttl: 1000 } } }],
      [{ ...call, params: { ...call.params, arguments: ['not', 'a', 'record'] } }],
      [{ ...call, params: { name: 42 } }],
      [
        {
          ...call,
          params: { ...call.params, _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't' } } },
        },
      ],
      [{ ...call, method: 'tools/list' }],
      [{ jsonrpc: '2.0', method: 'tools/call', params: call.params }],
    ];
    for (const messages of unusual) expect(plainToolCall(messages as never)).toBeUndefined();
  });
});
