/**
 * REST, MCP and the CLI are three views of one registry: every read operation and a set of writes,
 * sent through all three, give the same data and the same error codes.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isMutation, type Operation, pathParams } from '../../src/operations/define-operation.ts';
import { operations } from '../../src/operations/registry.ts';
import { emptyHome, runCli } from '../cli/support.ts';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { bearer, connectMcp } from '../mcp/mcp-client.ts';

let server: TestServer;
let mcp: Client;
let key: string;
const fixtures: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  server.pause();
  key = server.adminKey;
  mcp = await connectMcp(server.url, bearer(key));
  const campaign = await api(server.url, 'POST', '/campaigns', {
    key,
    body: { name: 'parity', objective_type: 'product_promotion', keywords: ['a', 'b'] },
  });
  fixtures.campaign = campaign.body.data.id;
  fixtures.key = (await createKey(server.url, key, ['read'])).id;
});
// Each test runs three surfaces' worth of requests: start it in fresh rate-limit windows.
beforeEach(() => server.advance(61_000));
afterAll(async () => {
  await mcp?.close();
  await server?.close();
});

type Outcome = { ok: true; data: unknown } | { ok: false; code: string };

function kebab(name: string): string {
  return name.replaceAll('_', '-');
}

async function viaRest(operation: Operation, input: Record<string, unknown>): Promise<Outcome> {
  const params = new Set(pathParams(operation.path));
  const path = operation.path.replace(/:(\w+)/g, (_m, name: string) =>
    encodeURIComponent(String(input[name])),
  );
  const rest = Object.fromEntries(Object.entries(input).filter(([k]) => !params.has(k)));
  const query = new URLSearchParams(
    isMutation(operation)
      ? {}
      : (Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, String(v)])) as Record<string, string>),
  ).toString();
  const response = await api(server.url, operation.method, query ? `${path}?${query}` : path, {
    key,
    body: isMutation(operation) ? rest : undefined,
  });
  return response.body.success
    ? { ok: true, data: response.body.data }
    : { ok: false, code: response.body.error.code };
}

async function viaMcp(operation: Operation, input: Record<string, unknown>): Promise<Outcome> {
  const result = (await mcp.callTool({
    name: operation.id.replace('.', '_'),
    arguments: input,
  })) as CallToolResult;
  const content = (result.structuredContent ?? {}) as { data?: unknown; code?: string };
  return result.isError ? { ok: false, code: content.code as string } : { ok: true, data: content.data };
}

async function viaCli(operation: Operation, input: Record<string, unknown>): Promise<Outcome> {
  const [resource, verb] = operation.id.split('.') as [string, string];
  const params = pathParams(operation.path);
  const rest = Object.fromEntries(Object.entries(input).filter(([k]) => !params.includes(k)));
  const args = [kebab(resource), kebab(verb), ...params.map((p) => String(input[p]))];
  if (Object.keys(rest).length > 0) args.push('--json', JSON.stringify(rest));
  const result = await runCli(args, { IRIS_API_URL: server.url, IRIS_API_KEY: key, HOME: emptyHome() });
  if (result.code === 0) return { ok: true, data: JSON.parse(result.stdout) };
  const code = /error: ([A-Z]+_\d+)/.exec(result.stderr)?.[1];
  return { ok: false, code: code ?? `exit ${result.code}: ${result.stderr}` };
}

async function allThree(operation: Operation, input: Record<string, unknown>) {
  return {
    rest: await viaRest(operation, input),
    mcp: await viaMcp(operation, input),
    cli: await viaCli(operation, input),
  };
}

/** Inputs for each read operation, from the fixtures. */
function readInput(operation: Operation): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const param of pathParams(operation.path))
    input[param] = operation.id.startsWith('keys.') ? fixtures.key : fixtures.campaign;
  return input;
}

const reads = operations.filter((op) => op.method === 'GET');
const byId = (id: string) => operations.find((op) => op.id === id) as Operation;

describe('every read operation answers the same on REST, MCP and the CLI', () => {
  it.each(reads.map((op) => [op.id, op] as const))('%s', async (_id, operation) => {
    const { rest, mcp: viaTools, cli } = await allThree(operation, readInput(operation));
    expect(viaTools).toEqual(rest);
    expect(cli).toEqual(rest);
  });
});

describe('writes and errors answer the same', () => {
  it('campaigns.create: same campaign fields from each surface', async () => {
    const input = {
      name: 'made thrice',
      objective_type: 'venue_dj',
      location: 'Brooklyn, NY',
      followup_days: [3, 7],
    };
    const outcomes = await allThree(byId('campaigns.create'), input);
    const strip = (o: Outcome) => {
      if (!o.ok) return o;
      const { id: _id, created_at: _c, updated_at: _u, ...fields } = o.data as Record<string, unknown>;
      return fields;
    };
    expect(strip(outcomes.mcp)).toEqual(strip(outcomes.rest));
    expect(strip(outcomes.cli)).toEqual(strip(outcomes.rest));
  });

  it('keys.rename: the same key after each rename', async () => {
    const operation = byId('keys.rename');
    const rest = await viaRest(operation, { id: fixtures.key, name: 'parity name' });
    const tools = await viaMcp(operation, { id: fixtures.key, name: 'parity name' });
    const cli = await viaCli(operation, { id: fixtures.key, name: 'parity name' });
    expect(tools).toEqual(rest);
    expect(cli).toEqual(rest);
  });

  it.each([
    ['campaigns.get', { id: '00000000-0000-4000-8000-000000000000' }, 'CAMP_001'],
    ['keys.revoke', { id: '00000000-0000-4000-8000-000000000000' }, 'APIKEY_006'],
    ['campaigns.create', { name: 'x'.repeat(300), objective_type: 'venue_dj' }, 'SERVER_005'],
    ['keys.rotate', { id: 'not-a-uuid' }, 'APIKEY_006'],
    ['credits.balance', {}, 'AUTH_002'],
  ] as const)('%s fails with %s everywhere', async (id, input, code) => {
    const outcomes = await allThree(byId(id), input);
    expect(outcomes).toEqual({
      rest: { ok: false, code },
      mcp: { ok: false, code },
      cli: { ok: false, code },
    });
  });
});
