/**
 * The one zod → JSON Schema conversion behind OpenAPI, MCP tools and CLI flags: every registered
 * operation converts, without `$schema`, and a type JSON Schema cannot express is refused rather than
 * published as an unconstrained schema.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toJsonSchema } from '../../src/operations/json-schema.ts';
import { operations } from '../../src/operations/registry.ts';

describe('toJsonSchema', () => {
  it('converts every operation input and output, without $schema', () => {
    for (const operation of operations) {
      for (const [schema, io] of [
        [operation.input, 'input'],
        [operation.output, 'output'],
      ] as const) {
        const converted = toJsonSchema(schema, io);
        expect(converted.$schema, operation.id).toBeUndefined();
        expect(converted.type ?? converted.anyOf ?? converted.$ref, operation.id).toBeDefined();
      }
    }
  });

  it('refuses a type JSON Schema cannot express', () => {
    expect(() => toJsonSchema(z.object({ at: z.date() }), 'input')).toThrow();
  });
});
