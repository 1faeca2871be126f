/**
 * The MCP tool catalog against the registry, without a server: one tool per operation (this fails when
 * an operation has no tool), valid JSON Schemas, annotations, and output schemas that accept both the
 * success and the error shape (what the SDK client validates structuredContent against).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { createToolCatalog, toolNameOf } from '../../mcp/tool-catalog.ts';
import { isMutation } from '../../src/operations/define-operation.ts';
import { operations } from '../../src/operations/registry.ts';

const catalog = createToolCatalog(operations);

function strictAjv() {
  const ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });
  addFormats.default(ajv);
  return ajv;
}

describe('one tool per operation', () => {
  it.each(operations.map((o) => [o.id]))('%s has a tool', (id) => {
    const name = id.replaceAll('.', '_');
    const tool = catalog.tools.find((t) => t.name === name);
    expect(tool, `no MCP tool for operation ${id}`).toBeDefined();
    expect(catalog.operationOf(name)?.id).toBe(id);
  });

  it('has exactly the registry, in order, with MCP-legal names', () => {
    expect(catalog.tools.map((t) => t.name)).toEqual(operations.map(toolNameOf));
    for (const tool of catalog.tools) expect(tool.name).toMatch(/^[a-z][a-z0-9_]{0,63}$/);
    expect(catalog.listResult.tools).toBe(catalog.tools);
  });

  it('describes each tool with its summary and scope, and marks reads, deletes and retries', () => {
    for (const operation of operations) {
      const tool = catalog.tools.find((t) => t.name === toolNameOf(operation));
      expect(tool?.description).toContain(`${operation.summary} (scope: ${operation.scope})`);
      expect(tool?.annotations).toMatchObject({
        readOnlyHint: !isMutation(operation),
        destructiveHint: operation.destructive === true,
        idempotentHint: !isMutation(operation) || operation.idempotency !== undefined,
      });
    }
    const byName = (name: string) => catalog.tools.find((t) => t.name === name)?.annotations;
    expect(byName('keys_revoke')).toMatchObject({ destructiveHint: true, readOnlyHint: false });
    expect(byName('campaigns_create')).toMatchObject({ idempotentHint: true, destructiveHint: false });
    expect(byName('campaigns_list')).toMatchObject({ readOnlyHint: true });
  });
});

describe('schemas', () => {
  it('are valid JSON Schema 2020-12 objects that compile in strict mode', () => {
    const ajv = strictAjv();
    for (const tool of catalog.tools) {
      for (const schema of [tool.inputSchema, tool.outputSchema]) {
        expect(schema?.type, tool.name).toBe('object');
        expect(ajv.validateSchema(schema as object), `${tool.name}: ${ajv.errorsText()}`).toBe(true);
        expect(() => ajv.compile(schema as object), tool.name).not.toThrow();
      }
    }
  });

  it('output schemas accept the error shape and reject a result that is neither', () => {
    const ajv = strictAjv();
    for (const tool of catalog.tools) {
      const validate = ajv.compile(tool.outputSchema as object);
      expect(validate({ code: 'APIKEY_004', message: 'scope', requestId: 'req_1' }), tool.name).toBe(true);
      expect(
        validate({ code: 'PAYMENT_001', message: 'pay', requestId: 'req_1', x402Version: 2, accepts: [] }),
      ).toBe(true);
      expect(validate({ nothing: true }), tool.name).toBe(false);
      expect(validate({ code: 'NOT_A_CODE', message: 'x', requestId: 'req_1' }), tool.name).toBe(false);
    }
  });

  it('paginated outputs require data and meta.pagination', () => {
    const ajv = strictAjv();
    const list = catalog.tools.find((t) => t.name === 'campaigns_list');
    const validate = ajv.compile(list?.outputSchema as object);
    expect(
      validate({ data: [], meta: { pagination: { limit: 20, has_more: false, next_cursor: null } } }),
    ).toBe(true);
    expect(validate({ data: [] })).toBe(false);
  });
});
