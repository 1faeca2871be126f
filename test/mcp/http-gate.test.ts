/**
 * passesUnchecked lets through, without the gate's own checks, only what the pipeline checks anyway:
 * calls of known tools with a Bearer key, answered as JSON (a 401 from the pipeline then becomes the
 * HTTP answer). Everything else goes through gateMcpRequest.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { passesUnchecked } from '../../mcp/http-gate.ts';
import { createToolCatalog } from '../../mcp/tool-catalog.ts';
import { operations } from '../../src/operations/registry.ts';

const catalog = createToolCatalog(operations);
const call = (name: string, id = 1): JSONRPCMessage => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: {} },
});
const request = (
  authorization: string | undefined,
  messages: JSONRPCMessage[],
  authenticateCalls = false,
) => ({
  authorization,
  ip: '127.0.0.1',
  requestId: 'req_test',
  messages,
  authenticateCalls,
});

describe('passesUnchecked', () => {
  it('passes known tool calls with a Bearer key', () => {
    expect(passesUnchecked(catalog, request('Bearer is_live_x', [call('keys_me')]))).toBe(true);
    expect(
      passesUnchecked(catalog, request('  bearer is_live_x', [call('keys_me'), call('campaigns_list', 2)])),
    ).toBe(true);
  });

  it('leaves everything else to the gate', () => {
    const cases = [
      request(undefined, [call('keys_me')]),
      request('Payment eyJ…', [call('campaigns_create')]),
      request('Basic abc', [call('keys_me')]),
      request('Bearer is_live_x', [call('no_such_tool')]),
      request('Bearer is_live_x', [call('keys_me'), call('no_such_tool', 2)]),
      request('Bearer is_live_x', [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }]),
      request('Bearer is_live_x', []),
      request('Bearer is_live_x', [call('keys_me')], true),
    ];
    for (const gated of cases) expect(passesUnchecked(catalog, gated), JSON.stringify(gated)).toBe(false);
  });
});
