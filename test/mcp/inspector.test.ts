/**
 * The official MCP Inspector in CLI mode (`mcp-inspector --cli`, offline) against the remote endpoint:
 * it lists every tool, calls a read tool with a key, reports a tool error, and fails on the 401.
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operations } from '../../src/operations/registry.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const INSPECTOR = join(
  dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector/package.json')),
  'cli/build/cli.js',
);

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

function inspect(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [INSPECTOR, '--cli', `${server.url}/mcp`, '--transport', 'http', ...args],
      { timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('MCP Inspector --cli', () => {
  it('lists every tool', async () => {
    const run = await inspect([
      '--method',
      'tools/list',
      '--header',
      `Authorization: Bearer ${server.adminKey}`,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const { tools } = JSON.parse(run.stdout) as { tools: { name: string }[] };
    expect(tools.map((t) => t.name)).toEqual(operations.map((o) => o.id.replace('.', '_')));
  });

  it('calls tools with arguments and shows error results', async () => {
    const auth = ['--header', `Authorization: Bearer ${server.adminKey}`];
    const me = await inspect(['--method', 'tools/call', '--tool-name', 'keys_me', ...auth]);
    expect(me.code, me.stderr).toBe(0);
    expect(JSON.parse(me.stdout).structuredContent.data.user_id).toBe(server.ownerId);

    const list = await inspect([
      '--method',
      'tools/call',
      '--tool-name',
      'campaigns_list',
      '--tool-arg',
      'limit=3',
      ...auth,
    ]);
    expect(JSON.parse(list.stdout).structuredContent.meta.pagination.limit).toBe(3);

    const missing = await inspect([
      '--method',
      'tools/call',
      '--tool-name',
      'campaigns_get',
      '--tool-arg',
      'id=00000000-0000-4000-8000-000000000000',
      ...auth,
    ]);
    const result = JSON.parse(missing.stdout);
    expect(result.isError).toBe(true);
    expect(result.structuredContent.code).toBe('CAMP_001');
  });

  it('fails on the 401 of a call without a key', async () => {
    const run = await inspect(['--method', 'tools/call', '--tool-name', 'keys_me']);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).toContain('APIKEY_001');
  });
});
