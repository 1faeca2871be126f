#!/usr/bin/env node
// The stdio MCP server `iris-mcp`: runs the TypeScript entry point through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../mcp/stdio.ts');
