/**
 * The MCP tools of the operation registry, built once at start-up: one tool per operation (name, description,
 * schemas, annotations), the ready `tools/list` answer, and the lookup from tool name to operation.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { isMutation, type Operation } from '../src/operations/define-operation.ts';
import { inputSchemaOf, outputSchemaOf } from './tool-schemas.ts';

export interface ToolCatalog {
  tools: readonly Tool[];
  /** The `tools/list` result, shared by every request (never mutate it). */
  listResult: { tools: Tool[] };
  operationOf(toolName: string): Operation | undefined;
}

/** `campaigns.create` → `campaigns_create`. */
export function toolNameOf(operation: Pick<Operation, 'id'>): string {
  return operation.id.replaceAll('.', '_');
}

function descriptionOf(operation: Operation): string {
  const scope = `(scope: ${operation.scope})`;
  if (!operation.payment) return `${operation.summary} ${scope}`;
  return `${operation.summary} ${scope}. Without an API key an agent pays per call: call it once to get the payment offer (an error result carrying each payment method's challenge), then again with the payment in _meta, as the server instructions say for each method.`;
}

function toolOf(operation: Operation): Tool {
  const readOnly = !isMutation(operation);
  return {
    name: toolNameOf(operation),
    title: operation.summary,
    description: descriptionOf(operation),
    inputSchema: inputSchemaOf(operation) as Tool['inputSchema'],
    outputSchema: outputSchemaOf(operation) as Tool['outputSchema'],
    annotations: {
      readOnlyHint: readOnly,
      destructiveHint: operation.destructive === true,
      idempotentHint: readOnly || operation.idempotency !== undefined,
    },
  };
}

export function createToolCatalog(operations: readonly Operation[]): ToolCatalog {
  const byName = new Map<string, Operation>();
  for (const operation of operations) {
    const name = toolNameOf(operation);
    if (byName.has(name)) throw new Error(`two operations map to the MCP tool ${name}`);
    byName.set(name, operation);
  }
  const tools = operations.map(toolOf);
  return {
    tools,
    listResult: { tools },
    operationOf: (name) => byName.get(name),
  };
}
