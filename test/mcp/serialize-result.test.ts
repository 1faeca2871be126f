/**
 * serializeResult writes a tool result as JSON.stringify would, reusing the text of the structured
 * content: the direct tools/call answer sends those bytes.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { errorResult, serializeResult, toToolResult } from '../../mcp/tool-result.ts';
import { RAIL_WIRES } from '../helpers/rail-wires.ts';

const challenge = Buffer.from(
  JSON.stringify({ x402Version: 2, accepts: [{ scheme: 'exact', amount: '2250000' }] }),
).toString('base64');
const settle = Buffer.from(JSON.stringify({ success: true, transaction: '0xabc' })).toString('base64');

function headers(values: Record<string, string>) {
  return (name: string) => values[name];
}

const results: [string, CallToolResult][] = [
  [
    'a page',
    await toToolResult(
      {
        status: 200,
        header: headers({}),
        body: {
          success: true,
          data: [{ id: 'c1', name: 'q"uote\\ \u2028 é' }],
          meta: { pagination: { next: null } },
        },
      },
      RAIL_WIRES,
    ),
  ],
  ['no data', await toToolResult({ status: 200, header: headers({}), body: { success: true } }, RAIL_WIRES)],
  [
    'a receipt',
    await toToolResult(
      {
        status: 201,
        header: headers({ 'payment-response': settle }),
        body: { success: true, data: { id: 'c2' } },
      },
      RAIL_WIRES,
    ),
  ],
  [
    'a 402 with both rails',
    await toToolResult(
      {
        status: 402,
        header: headers({
          'payment-required': challenge,
          'www-authenticate':
            'Payment id="abc", realm="iris", method="stripe", intent="charge", request="eyJhbW91bnQiOiIxMjAwIn0"',
        }),
        body: { success: false, error: { code: 'PAYMENT_001', message: 'pay', requestId: 'req_1' } },
      },
      RAIL_WIRES,
    ),
  ],
  ['an error', errorResult('SERVER_003', 'unknown tool: x', 'req_2')],
  ['not built by iris', { content: [{ type: 'text', text: 'hi' }], structuredContent: { a: 1 } }],
  [
    'two items',
    {
      content: [
        { type: 'text', text: '{}' },
        { type: 'text', text: 'more' },
      ],
      isError: true,
    },
  ],
];

describe('serializeResult', () => {
  it.each(results)('writes %s as JSON.stringify does', (_name, result) => {
    expect(serializeResult(result)).toBe(JSON.stringify(result));
  });

  it('covers both branches: results with _meta and isError are among the cases', () => {
    expect(results.some(([, r]) => r._meta !== undefined && r.isError)).toBe(true);
  });
});
