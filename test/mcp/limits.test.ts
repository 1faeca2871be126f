/**
 * What keeps the remote MCP endpoint bounded and safe: the result size cap (a list page is fetched again
 * with a smaller limit, the cursor still walks every item once) and the allowed Host names
 * (DNS-rebinding protection, MCP_ALLOWED_HOSTS).
 */
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allowedHostsFrom, hostnameOf } from '../../mcp/allowed-hosts.ts';
import { mountMcp } from '../../mcp/mcp-router.ts';
import { operations } from '../../src/operations/registry.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { bearer, connectMcp, structured } from './mcp-client.ts';

let server: TestServer;
const closers: (() => Promise<void>)[] = [];

/** An app serving only /mcp, with these options. */
async function listen(options: Parameters<typeof mountMcp>[3]): Promise<string> {
  const app = express();
  mountMcp(app, server.services, operations, options);
  const http = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => http.once('listening', resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  for (const close of closers) await close();
  await server?.close();
});

/** POST tools/list with a Host header of our choosing (fetch will not let us set it). */
function listWithHost(url: string, host: string): Promise<number> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/mcp`,
      {
        method: 'POST',
        headers: {
          host,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('result size cap', () => {
  it('refetches an over-sized page with a smaller limit; the cursor still visits every campaign once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const created = await api(server.url, 'POST', '/campaigns', {
        key: server.adminKey,
        body: { name: `capped ${i} ${'n'.repeat(150)}`, objective_type: 'event_promotion' },
      });
      expect(created.status).toBe(201);
      ids.push(created.body.data.id);
    }
    const url = await listen({ maxResultChars: 2_000 });
    const client = await connectMcp(url, bearer(server.adminKey));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const result = await client.callTool({
        name: 'campaigns_list',
        arguments: { limit: 100, ...(cursor ? { cursor } : {}) },
      });
      expect(result.isError).toBeUndefined();
      const [text] = result.content as { text: string }[];
      expect(text?.text.length).toBeLessThanOrEqual(2_000);
      const page = structured(result);
      expect(page.data.length).toBeGreaterThan(0);
      expect(page.data.length).toBeLessThan(7);
      seen.push(...page.data.map((c: { id: string }) => c.id));
      cursor = page.meta.pagination.next_cursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    expect([...seen].sort()).toEqual([...ids].sort());

    const tiny = await listen({ maxResultChars: 50 });
    const small = await connectMcp(tiny, bearer(server.adminKey));
    const tooBig = await small.callTool({ name: 'keys_me', arguments: {} });
    expect(tooBig.isError).toBe(true);
    expect(structured(tooBig)).toMatchObject({ code: 'SERVER_002' });
    await client.close();
    await small.close();
  });
});

describe('allowed hosts', () => {
  it('accepts only localhost names on a server bound to a loopback address', async () => {
    expect(await listWithHost(server.url, `localhost:${new URL(server.url).port}`)).toBe(200);
    expect(await listWithHost(server.url, '127.0.0.1')).toBe(200);
    expect(await listWithHost(server.url, 'attacker.example:80')).toBe(403);
  });

  it('accepts exactly the configured names (ports ignored), or any with *', async () => {
    const url = await listen({ allowedHosts: 'api.iris.test, Other.Test:8443' });
    expect(await listWithHost(url, 'api.iris.test')).toBe(200);
    expect(await listWithHost(url, 'other.test:443')).toBe(200);
    expect(await listWithHost(url, '127.0.0.1')).toBe(403);
    const any = await listen({ allowedHosts: '*' });
    expect(await listWithHost(any, 'anything.example')).toBe(200);
  });

  it('reads the setting: explicit list, *, loopback default, open default', () => {
    expect(allowedHostsFrom('a.test,b.test:80', '0.0.0.0')).toEqual(['a.test', 'b.test']);
    expect(allowedHostsFrom('*', '127.0.0.1')).toBeUndefined();
    expect(allowedHostsFrom(undefined, '127.0.0.1')).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(allowedHostsFrom(' ', '::1')).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(allowedHostsFrom(undefined, '0.0.0.0')).toBeUndefined();
    expect(['API.test:443', '[::1]:3000', 'localhost', 'a b', '', '[::1'].map(hostnameOf)).toEqual([
      'api.test',
      '[::1]',
      'localhost',
      undefined,
      undefined,
      undefined,
    ]);
  });
});
