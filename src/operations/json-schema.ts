/**
 * An operation's zod schema as JSON Schema (2020-12 vocabulary), the one conversion behind OpenAPI, the
 * MCP tool schemas and the CLI flags. Without `$schema`: the MCP SDK client compiles output schemas with
 * a draft-07 Ajv that refuses an unknown meta-schema, and nothing here needs a 2020-12-only keyword.
 * A type JSON Schema cannot express fails the conversion (at start-up) instead of becoming an
 * unconstrained schema.
 */
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
  }) as JsonSchema;
  return rest;
}

/** `meta.pagination` of a paginated operation's response, as REST and MCP both describe it. */
export const PAGINATION_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['limit', 'has_more', 'next_cursor'],
  properties: {
    limit: { type: 'integer' },
    has_more: { type: 'boolean' },
    next_cursor: { type: ['string', 'null'], description: 'pass as `cursor` to get the next page' },
  },
};
