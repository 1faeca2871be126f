#!/usr/bin/env node
// The stdio MCP server `iris-mcp` is not built yet (see the MCP issue); fail loudly instead of hanging.
process.stderr.write('iris-mcp: the stdio MCP server is not available in this build yet\n');
process.exit(1);
