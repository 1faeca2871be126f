/**
 * The remote MCP endpoint with the SDK Client over Streamable HTTP against a real server: initialize,
 * tools/list, read and write tools through the REST pipeline, error results the client accepts, and
 * the HTTP-level 401 for calls that need a key.
 */
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../src/operations/registry.ts';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { bearer, connectMcp, postMcp, structured, textJson, toolCall } from './mcp-client.ts';

const campaign = { name: 'MCP outreach', objective_type: 'product_promotion', outreach_channels: ['email'] };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

describe('initialize and tools/list', () => {
  it('initializes and lists one tool per operation, with or without a key', async () => {
    for (const headers of [bearer(server.adminKey), {}]) {
      const client = await connectMcp(server.url, headers);
      expect(client.getServerVersion()?.name).toBe('iris');
      expect(client.getServerCapabilities()?.tools).toEqual({ listChanged: false });
      expect(client.getInstructions()).toContain('x402/payment');
      const { tools } = await client.listTools();
      expect(tools).toHaveLength(operations.length);
      expect(tools.map((t) => t.name).sort()).toEqual(operations.map((o) => o.id.replace('.', '_')).sort());
      const create = tools.find((t) => t.name === 'campaigns_create');
      expect(create?.description).toContain('create a new campaign (scope: write)');
      expect(create?.inputSchema.required).toEqual(expect.arrayContaining(['name', 'objective_type']));
      await client.close();
    }
  });
});

describe('tool calls with a key', () => {
  it('calls keys_me: the same key REST reports, as structuredContent and as text', async () => {
    const client = await connectMcp(server.url, bearer(server.adminKey));
    const result = await client.callTool({ name: 'keys_me', arguments: {} });
    expect(result.isError).toBeUndefined();
    const rest = await api(server.url, 'GET', '/keys/me', { key: server.adminKey });
    const { data } = structured(result);
    expect(data).toMatchObject({ id: rest.body.data.id, user_id: server.ownerId, scopes: ['*'] });
    expect(textJson(result)).toEqual(structured(result));
    await client.close();
  });

  it('creates a campaign with campaigns_create and reads it back with campaigns_get and campaigns_list', async () => {
    const client = await connectMcp(server.url, bearer(server.adminKey));
    const created = await client.callTool({ name: 'campaigns_create', arguments: campaign });
    expect(created.isError).toBeUndefined();
    const { data } = structured(created);
    expect(data).toMatchObject({ name: 'MCP outreach', status: 'draft' });

    const rest = await api(server.url, 'GET', `/campaigns/${data.id}`, { key: server.adminKey });
    expect(rest.status).toBe(200);
    const got = await client.callTool({ name: 'campaigns_get', arguments: { id: data.id } });
    expect(structured(got).data).toEqual(rest.body.data);

    const listed = await client.callTool({ name: 'campaigns_list', arguments: { limit: 100 } });
    const page = structured(listed);
    expect(page.data.map((c: { id: string }) => c.id)).toContain(data.id);
    expect(page.meta.pagination).toMatchObject({ limit: 100, has_more: false, next_cursor: null });
    await client.close();
  });

  it('pages through campaigns_list with the cursor', async () => {
    const { key } = await createKey(server.url, server.adminKey, ['read', 'write']);
    const client = await connectMcp(server.url, bearer(key));
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three']) {
      const result = await client.callTool({ name: 'campaigns_create', arguments: { ...campaign, name } });
      ids.push(structured(result).data.id);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const result = await client.callTool({
        name: 'campaigns_list',
        arguments: { limit: 2, ...(cursor ? { cursor } : {}) },
      });
      const page = structured(result);
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((c: { id: string }) => c.id));
      cursor = page.meta.pagination.next_cursor ?? undefined;
    } while (cursor);
    const rest = await api(server.url, 'GET', '/campaigns?limit=100', { key });
    expect(seen).toEqual(rest.body.data.map((c: { id: string }) => c.id));
    expect(seen).toEqual(expect.arrayContaining(ids));
    await client.close();
  });

  it('honours an Idempotency-Key passed as _meta["iris/idempotency-key"]', async () => {
    const client = await connectMcp(server.url, bearer(server.adminKey));
    const call = () =>
      client.callTool({
        name: 'campaigns_create',
        arguments: { ...campaign, name: 'once' },
        _meta: { 'iris/idempotency-key': 'mcp-idem-1' },
      });
    const first = structured(await call()).data;
    const second = structured(await call()).data;
    expect(second).toEqual(first);
    await client.close();
  });
});

describe('error results', () => {
  it('answers a key without the scope with APIKEY_004 as a tool error the client accepts', async () => {
    const { key } = await createKey(server.url, server.adminKey, ['read']);
    const client = await connectMcp(server.url, bearer(key));
    await client.listTools();
    const result = await client.callTool({ name: 'campaigns_create', arguments: campaign });
    expect(result.isError).toBe(true);
    const error = structured(result);
    expect(error).toMatchObject({ code: 'APIKEY_004', message: 'API key missing required scope: write' });
    expect(error.requestId).toMatch(/^req_/);
    expect(textJson(result)).toEqual(error);
    const rest = await api(server.url, 'POST', '/campaigns', { key, body: campaign });
    expect(rest.body.error.code).toBe(error.code);
    expect(rest.body.error.message).toBe(error.message);
    await client.close();
  });

  it('names the invalid field, and answers an unknown tool, without throwing', async () => {
    const client = await connectMcp(server.url, bearer(server.adminKey));
    await client.listTools();
    const invalid = await client.callTool({ name: 'campaigns_create', arguments: { name: 'x' } });
    expect(invalid.isError).toBe(true);
    expect(structured(invalid)).toMatchObject({ code: 'SERVER_005' });
    expect(structured(invalid).message).toContain('objective_type');
    const missing = await client.callTool({ name: 'campaigns_get', arguments: {} });
    expect(structured(missing).code).toBe('SERVER_005');
    const notFound = await client.callTool({
      name: 'campaigns_get',
      arguments: { id: '00000000-0000-4000-8000-000000000000' },
    });
    expect(structured(notFound).code).toBe('CAMP_001');
    const unknown = await client.callTool({ name: 'campaigns_explode', arguments: {} });
    expect(unknown.isError).toBe(true);
    expect(structured(unknown).code).toBe('SERVER_003');
    await client.close();
  });

  it("carries the response's X-Request-ID as the error's requestId", async () => {
    const { key } = await createKey(server.url, server.adminKey, ['read']);
    const response = await postMcp(
      server.url,
      toolCall('keys_create', { name: 'x', scopes: ['read'] }),
      bearer(key),
    );
    expect(response.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: JSON-RPC response
    const result = (response.body as any).result;
    expect(result.structuredContent.code).toBe('APIKEY_004');
    expect(result.structuredContent.requestId).toBe(response.headers.get('x-request-id'));
  });
});

describe('HTTP-level authentication', () => {
  it('answers a tool call without a key with 401 and WWW-Authenticate, not a tool result', async () => {
    const response = await postMcp(server.url, toolCall('keys_me', {}, 7));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="iris"');
    expect(response.body).toMatchObject({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32001, data: { success: false, error: { code: 'APIKEY_001' } } },
    });

    const client = await connectMcp(server.url);
    const call = client.callTool({ name: 'campaigns_list', arguments: {} });
    await expect(call).rejects.toBeInstanceOf(StreamableHTTPError);
    await expect(client.callTool({ name: 'keys_me', arguments: {} })).rejects.toMatchObject({ code: 401 });
    await client.close();
  });

  it('requires a key for payable tools too when no payment rail is configured', async () => {
    const response = await postMcp(server.url, toolCall('campaigns_create', campaign));
    expect(response.status).toBe(401);
  });

  it('answers an invalid, revoked or non-Bearer credential with 401 for every method', async () => {
    const revoked = await createKey(server.url, server.adminKey, ['read']);
    expect((await api(server.url, 'DELETE', `/keys/${revoked.id}`, { key: server.adminKey })).status).toBe(
      200,
    );
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const cases: [string, string][] = [
      [`Bearer is_live_${'x'.repeat(30)}`, 'APIKEY_001'],
      ['Bearer nonsense', 'APIKEY_001'],
      [`Bearer ${revoked.key}`, 'APIKEY_003'],
      ['Basic dXNlcjpwYXNz', 'AUTH_001'],
    ];
    for (const [authorization, code] of cases) {
      for (const message of [list, toolCall('keys_me', {}, 3), toolCall('campaigns_list', { limit: 1 }, 4)]) {
        const response = await postMcp(server.url, message, { authorization });
        expect(response.status, `${authorization} ${JSON.stringify(message)}`).toBe(401);
        expect(response.headers.get('www-authenticate')).toContain('Bearer');
        // biome-ignore lint/suspicious/noExplicitAny: JSON-RPC error
        const body = response.body as any;
        expect(body.error.data.error.code).toBe(code);
        expect(body.id).toBe(message.id);
      }
    }
    await expect(connectMcp(server.url, { authorization: `Bearer ${revoked.key}` })).rejects.toMatchObject({
      code: 401,
    });
  });
});

describe('transport', () => {
  it('answers GET and DELETE with 405 (stateless: no stream, no session)', async () => {
    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(`${server.url}/mcp`, { method, headers: { accept: 'text/event-stream' } });
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
    }
  });

  it('accepts bodies over the REST limit (bulk imports) up to 4 MB', async () => {
    const padding = 'x'.repeat(2 * 1024 * 1024);
    const big = { ...toolCall('keys_me'), params: { name: 'keys_me', arguments: {}, _meta: { padding } } };
    const ok = await postMcp(server.url, big, bearer(server.adminKey));
    expect(ok.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: JSON-RPC response
    expect((ok.body as any).result.structuredContent.data.user_id).toBe(server.ownerId);
    const tooBig = { ...big, params: { ...big.params, _meta: { padding: padding.repeat(3) } } };
    expect((await postMcp(server.url, tooBig, bearer(server.adminKey))).status).toBe(413);
  });

  it('frames requests like the SDK transport: 406, 415, bad version, notifications 202, batches', async () => {
    const key = bearer(server.adminKey);
    const list = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    expect((await postMcp(server.url, list, { ...key, accept: 'application/json' })).status).toBe(406);
    const plain = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...key, 'content-type': 'text/plain', accept: 'application/json, text/event-stream' },
      body: JSON.stringify(list),
    });
    expect(plain.status).toBe(415);
    const version = await postMcp(server.url, list, { ...key, 'mcp-protocol-version': '1999-01-01' });
    expect(version.status).toBe(400);
    expect(version.body).toMatchObject({ error: { code: -32000 } });
    const invalid = await postMcp(server.url, { jsonrpc: '2.0', id: 1 }, key);
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ error: { code: -32700 } });

    const notification = await postMcp(
      server.url,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      key,
    );
    expect(notification.status).toBe(202);
    expect(notification.body).toBeUndefined();

    const batch = await postMcp(server.url, [toolCall('keys_me', {}, 'a'), { ...list, id: 'b' }], key);
    expect(batch.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: JSON-RPC batch
    const [me, tools] = batch.body as any[];
    expect(me).toMatchObject({
      id: 'a',
      result: { structuredContent: { data: { user_id: server.ownerId } } },
    });
    expect(tools.id).toBe('b');
    expect(tools.result.tools).toHaveLength(operations.length);
    const duplicate = await postMcp(
      server.url,
      [toolCall('keys_me', {}, 1), toolCall('keys_me', {}, 1)],
      key,
    );
    expect(duplicate.status).toBe(400);
    const huge = await postMcp(
      server.url,
      Array.from({ length: 101 }, (_, i) => toolCall('keys_me', {}, i)),
      key,
    );
    expect(huge.status).toBe(400);
    const unknownMethod = await postMcp(server.url, { jsonrpc: '2.0', id: 9, method: 'resources/list' }, key);
    expect(unknownMethod.body).toMatchObject({ id: 9, error: { code: -32601 } });
  });

  it('answers malformed JSON with a JSON-RPC parse error', async () => {
    const response = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc": "2.0",',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: -32700 } });
  });
});
