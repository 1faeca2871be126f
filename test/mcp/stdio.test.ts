/**
 * The stdio binary `iris-mcp` driven by the SDK's StdioClientTransport against a real server over REST:
 * the same tools and the same results as the remote endpoint, and nothing but JSON-RPC on stdout.
 */
import { spawn } from 'node:child_process';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../src/operations/registry.ts';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { bearer, connectMcp, initialize, structured, textJson } from './mcp-client.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const BIN = 'bin/iris-mcp.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

async function connectStdio(env: Record<string, string>): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN],
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const client = new Client({ name: 'iris-stdio-tests', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => stderr };
}

describe('iris-mcp over stdio', () => {
  it('lists every tool and calls keys_me over REST with IRIS_API_KEY', async () => {
    const { client, stderr } = await connectStdio({
      IRIS_API_KEY: server.adminKey,
      IRIS_API_URL: server.url,
    });
    const { tools } = await client.listTools();
    expect(tools).toHaveLength(operations.length);
    const remote = await connectMcp(server.url, bearer(server.adminKey));
    expect(tools).toEqual((await remote.listTools()).tools);

    const result = await client.callTool({ name: 'keys_me', arguments: {} });
    expect(result.isError).toBeUndefined();
    const rest = await api(server.url, 'GET', '/keys/me', { key: server.adminKey });
    expect(structured(result).data).toMatchObject({ id: rest.body.data.id, user_id: server.ownerId });
    expect(textJson(result)).toEqual(structured(result));
    expect(stderr()).toContain(`forwarding to ${server.url}`);
    await remote.close();
    await client.close();
  });

  it('writes, pages and fails exactly like the remote endpoint', async () => {
    const { key } = await createKey(server.url, server.adminKey, ['read', 'write']);
    const { client } = await connectStdio({ IRIS_API_KEY: key, IRIS_API_URL: `${server.url}/` });
    const remote = await connectMcp(server.url, bearer(key));
    await remote.listTools();
    await client.listTools();

    const created = await client.callTool({
      name: 'campaigns_create',
      arguments: { name: 'from stdio', objective_type: 'product_promotion' },
    });
    const { data } = structured(created);
    expect(data).toMatchObject({ name: 'from stdio', status: 'draft' });
    const args = { id: data.id };
    expect(structured(await client.callTool({ name: 'campaigns_get', arguments: args }))).toEqual(
      structured(await remote.callTool({ name: 'campaigns_get', arguments: args })),
    );
    const page = { limit: 1, status: 'draft' };
    expect(structured(await client.callTool({ name: 'campaigns_list', arguments: page }))).toEqual(
      structured(await remote.callTool({ name: 'campaigns_list', arguments: page })),
    );

    for (const [name, input] of [
      ['keys_list', {}],
      ['campaigns_create', { name: 'no objective' }],
      ['campaigns_get', {}],
      ['campaigns_get', { id: '00000000-0000-4000-8000-000000000000' }],
    ] as const) {
      const viaStdio = await client.callTool({ name, arguments: input });
      const viaRemote = await remote.callTool({ name, arguments: input });
      expect(viaStdio.isError, name).toBe(true);
      const { requestId: _a, ...stdioError } = structured(viaStdio);
      const { requestId: _b, ...remoteError } = structured(viaRemote);
      expect(stdioError, name).toEqual(remoteError);
    }
    await remote.close();
    await client.close();
  });

  it('turns a missing key or an unreachable server into tool errors', async () => {
    const anonymous = await connectStdio({ IRIS_API_URL: server.url });
    const noKey = await anonymous.client.callTool({ name: 'keys_me', arguments: {} });
    expect(noKey.isError).toBe(true);
    expect(structured(noKey).code).toBe('APIKEY_001');
    expect(anonymous.stderr()).toContain('IRIS_API_KEY is unset');
    await anonymous.client.close();

    const down = await connectStdio({ IRIS_API_KEY: server.adminKey, IRIS_API_URL: 'http://127.0.0.1:1' });
    const unreachable = await down.client.callTool({ name: 'keys_me', arguments: {} });
    expect(unreachable.isError).toBe(true);
    expect(structured(unreachable)).toMatchObject({ code: 'SERVER_009' });
    expect(structured(unreachable).message).toContain('cannot reach iris at http://127.0.0.1:1');
    await down.client.close();
  });

  it('prints nothing but JSON-RPC on stdout', async () => {
    const child = spawn(process.execPath, [BIN], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', IRIS_API_KEY: server.adminKey, IRIS_API_URL: server.url },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    const lines = [
      initialize(1),
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'keys_me', arguments: {} } },
    ];
    child.stdin.write(`${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
    const deadline = Date.now() + 20_000;
    while (stdout.split('\n').filter(Boolean).length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.stdin.end();
    const exit = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const out = stdout.split('\n').filter(Boolean);
    expect(out).toHaveLength(3);
    const messages = out.map((line) => JSON.parse(line));
    for (const message of messages) expect(message.jsonrpc).toBe('2.0');
    expect(messages.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(messages[2].result.structuredContent.data.user_id).toBe(server.ownerId);
    expect(exit).toBe(0);
  });
});
