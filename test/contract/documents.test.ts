/**
 * The generated documents: OpenAPI 3.1 validates and covers every operation and its errors; llms.txt
 * served and committed match what the registry produces.
 */
import { readFileSync } from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_DATA } from '../../src/domain/events/event-types.ts';
import { ERROR_CATALOGUE } from '../../src/errors/catalogue.ts';
import { llmsTxt } from '../../src/http/llms-txt.ts';
import { errorCodesOf } from '../../src/http/openapi.ts';
import { operations } from '../../src/operations/registry.ts';
import { RAIL_WIRES } from '../helpers/rail-wires.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
// biome-ignore lint/suspicious/noExplicitAny: the document is inspected freely
let doc: any;

beforeAll(async () => {
  server = await startTestServer();
  const response = await fetch(`${server.url}/openapi.json`);
  expect(response.status).toBe(200);
  doc = await response.json();
});
afterAll(() => server.close());

describe('GET /openapi.json', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('lists every operation once, under its path and method, with its scope', () => {
    const found = new Map<string, { path: string; method: string; op: Record<string, unknown> }>();
    for (const [path, item] of Object.entries<Record<string, Record<string, unknown>>>(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (typeof op.operationId === 'string') found.set(op.operationId, { path, method, op });
      }
    }
    for (const operation of operations) {
      const entry = found.get(operation.id);
      expect(entry, operation.id).toBeDefined();
      expect(entry?.path).toBe(operation.path.replace(/:(\w+)/g, '{$1}'));
      expect(entry?.method).toBe(operation.method.toLowerCase());
      expect(entry?.op['x-iris-scope']).toBe(operation.scope);
    }
    expect(found.size).toBe(operations.length + 1); // + /health
  });

  it('documents every error an operation can answer with, by status', () => {
    for (const operation of operations) {
      const op = doc.paths[operation.path.replace(/:(\w+)/g, '{$1}')][operation.method.toLowerCase()];
      for (const code of errorCodesOf(operation, RAIL_WIRES)) {
        const response = op.responses[String(ERROR_CATALOGUE[code].status)];
        expect(response, `${operation.id} ${code}`).toBeDefined();
        expect(response.description).toContain(code);
      }
      expect(op.responses[String(operation.successStatus ?? 200)]).toBeDefined();
    }
  });

  it('puts path params in the path, GET inputs in the query and write inputs in the body', () => {
    const get = doc.paths['/campaigns/{id}'].get;
    expect(get.parameters).toContainEqual(
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
    );
    const list = doc.paths['/campaigns'].get;
    expect(list.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['query:limit', 'query:cursor']),
    );
    const create = doc.paths['/campaigns'].post;
    const body = create.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['name', 'objective_type']));
    expect(body.properties.outreach_channels.items.enum).toEqual(['email', 'instagram', 'twitter']);
    expect(create.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header' }),
    );
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('describes each emitted event as a webhook: the envelope and the event’s data schema', () => {
    for (const type of Object.keys(EVENT_DATA)) {
      const schema = doc.webhooks[type].post.requestBody.content['application/json'].schema;
      expect(schema.properties.event).toEqual({ const: type });
      expect(schema.required).toEqual(['id', 'event', 'timestamp', 'created_at', 'data']);
    }
    const contact = doc.webhooks['contact.created'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(contact.properties.data.properties)).toEqual(
      Object.keys(EVENT_DATA['contact.created'].shape),
    );
  });
});

describe('llms.txt', () => {
  const committed = readFileSync(new URL('../../llms.txt', import.meta.url), 'utf8');

  it('committed copy matches the registry (run `npm run llms` after changing operations)', () => {
    expect(committed).toBe(llmsTxt(operations, RAIL_WIRES));
  });

  it('is served at /llms.txt as plain text, one line per operation', async () => {
    const response = await fetch(`${server.url}/llms.txt`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toBe(committed);
    for (const operation of operations)
      expect(text).toContain(`\`${operation.method} ${operation.path}\` (${operation.id};`);
  });
});
