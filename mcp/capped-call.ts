/**
 * Keeps tool results small enough for a model's context: a list page whose serialized result is over
 * the cap is fetched again with a smaller `limit` (the server then hands out a correct cursor), and a
 * single result over the cap becomes an error instead of being cut.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Operation } from '../src/operations/define-operation.ts';
import { errorResult } from './tool-result.ts';

/** Characters of serialized structured content one tool result may carry. */
export const MAX_RESULT_CHARS = 512_000;

export type ToolArgs = Record<string, unknown>;

function sizeOf(result: CallToolResult): number {
  const [first] = result.content;
  return first?.type === 'text' ? first.text.length : 0;
}

function itemCount(result: CallToolResult): number {
  const data = result.structuredContent?.data;
  return Array.isArray(data) ? data.length : 0;
}

export async function cappedCall(
  operation: Operation,
  args: ToolArgs,
  run: (args: ToolArgs) => Promise<CallToolResult>,
  maxChars: number = MAX_RESULT_CHARS,
): Promise<CallToolResult> {
  let input = args;
  for (;;) {
    const result = await run(input);
    if (result.isError || sizeOf(result) <= maxChars) return result;
    const items = itemCount(result);
    if (!operation.paginated || items <= 1) {
      const requestId = result.structuredContent?.requestId;
      return errorResult(
        'SERVER_002',
        `the result is larger than ${maxChars} characters, the most one MCP tool result may carry; use the REST API for it`,
        typeof requestId === 'string' ? requestId : '',
      );
    }
    input = { ...input, limit: Math.floor(items / 2) };
  }
}
