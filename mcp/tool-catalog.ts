/**
 * The MCP tools of the operation registry, built once at start-up: one tool per operation (name, description,
 * schemas, annotations), the ready `tools/list` answer, and the lookup from tool name to operation.
 */
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { paymentInfoOf } from '../src/domain/payments/payment-offers.ts';
import { isMutation, type Operation } from '../src/operations/define-operation.ts';
import type { RailWire } from '../src/services.ts';
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

/** The `_meta` key carrying a payable tool's offers (the same as OpenAPI's x-payment-info). */
export const PAYMENT_INFO_META = 'iris/payment-info';

function toolOf(operation: Operation, rails: readonly RailWire[]): Tool {
  const readOnly = !isMutation(operation);
  const paymentInfo = paymentInfoOf(operation, rails);
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
    ...(paymentInfo ? { _meta: { [PAYMENT_INFO_META]: paymentInfo } } : {}),
  };
}

/** `rails`: the payment rails' wires; a payable tool lists their offers in `_meta`, like OpenAPI's x-payment-info. */
export function createToolCatalog(
  operations: readonly Operation[],
  rails: readonly RailWire[] = [],
): ToolCatalog {
  const byName = new Map<string, Operation>();
  for (const operation of operations) {
    const name = toolNameOf(operation);
    if (byName.has(name)) throw new Error(`two operations map to the MCP tool ${name}`);
    byName.set(name, operation);
  }
  const tools = operations.map((operation) => toolOf(operation, rails));
  return {
    tools,
    listResult: { tools },
    operationOf: (name) => byName.get(name),
  };
}
