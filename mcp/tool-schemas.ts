/**
 * JSON Schemas of one MCP tool from its operation's zod schemas: the input as is, and an output that
 * accepts both a success (`{data, meta?}`) and an error result (`{code, message, requestId, …}`).
 */
import { ERROR_CATALOGUE } from '../src/errors/catalogue.ts';
import type { Operation } from '../src/operations/define-operation.ts';
import { type JsonSchema, PAGINATION_SCHEMA, toJsonSchema } from '../src/operations/json-schema.ts';

/** What every error result carries (the REST error object, flattened), plus the payment offers. */
export const ERROR_RESULT: JsonSchema = {
  type: 'object',
  description:
    'an error (the tool result has isError: true): the REST error code, message and request id; payment errors add the x402 PaymentRequired fields (x402Version, resource, accepts) and the `x402` / `mpp` / `credits` offers',
  required: ['code', 'message', 'requestId'],
  properties: {
    code: { type: 'string', enum: Object.keys(ERROR_CATALOGUE) },
    message: { type: 'string' },
    requestId: { type: 'string' },
  },
};

function successResult(operation: Operation, data: JsonSchema): JsonSchema {
  const meta: JsonSchema = {
    type: 'object',
    properties: { pagination: PAGINATION_SCHEMA },
    ...(operation.paginated ? { required: ['pagination'] } : {}),
  };
  return {
    type: 'object',
    description: operation.paginated
      ? 'one page: `data` holds the items, `meta.pagination.next_cursor` the cursor of the next page'
      : 'the result in `data` (as in the REST envelope)',
    required: operation.paginated ? ['data', 'meta'] : ['data'],
    properties: { data, meta },
  };
}

export function inputSchemaOf(operation: Operation): JsonSchema {
  return toJsonSchema(operation.input, 'input');
}

/**
 * `{type: object, anyOf: [success, error]}`. The SDK client validates `structuredContent` against the
 * output schema even when `isError` is set (typescript-sdk#1943), so the error shape must be accepted.
 * Definitions the data schema refers to (`#/$defs/…`) are lifted to the root where the refs point.
 */
export function outputSchemaOf(operation: Operation): JsonSchema {
  const { $defs, ...data } = toJsonSchema(operation.output, 'output');
  return {
    type: 'object',
    anyOf: [successResult(operation, data), ERROR_RESULT],
    ...($defs ? { $defs } : {}),
  };
}
