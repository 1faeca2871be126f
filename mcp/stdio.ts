/**
 * `iris-mcp`: the iris MCP tools over stdio for local clients (Claude Code, Cursor), each call forwarded
 * to a running iris over REST with IRIS_API_KEY and IRIS_API_URL. Only JSON-RPC goes to stdout; the one
 * start-up line and any failure go to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { RAILS } from '../payments/rails.ts';
import { DEFAULT_API_URL } from '../src/client/rest-client.ts';
import { operations } from '../src/operations/registry.ts';
import { createIrisMcpServer } from './mcp-server.ts';
import { restCaller } from './rest-caller.ts';
import { createToolCatalog } from './tool-catalog.ts';

async function main(): Promise<void> {
  const baseUrl = process.env.IRIS_API_URL?.trim() || DEFAULT_API_URL;
  const apiKey = process.env.IRIS_API_KEY?.trim() || undefined;
  // The stdio binary is its own composition root: it knows the payment rails' wire formats.
  const rails = RAILS.map((rail) => rail.wire);
  const server = createIrisMcpServer(
    createToolCatalog(operations, rails),
    restCaller({ baseUrl, apiKey }, rails),
    {
      rails,
    },
  );
  await server.connect(new StdioServerTransport());
  process.stderr.write(
    `iris-mcp: ${operations.length} tools, forwarding to ${baseUrl}${apiKey ? '' : ' without an API key (IRIS_API_KEY is unset: only payable tools will work)'}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `iris-mcp failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
