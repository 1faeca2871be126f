/**
 * Input the database cannot store is refused at the boundary with the documented codes, never a 500:
 * NUL and unpaired surrogates in any text (422 naming the field), timestamps outside years 0001-9999
 * once in UTC (422), cursors carrying such dates (400), input nested deeper than any operation takes
 * (400). A database error that still slips through is SERVER_006, logged without its SQL or parameters.
 */
import { DrizzleQueryError } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storableText } from '../../src/domain/storable.ts';
import { createLogger } from '../../src/logger.ts';
import { errorResponse } from '../../src/pipeline/execute-operation.ts';
import { api, expectErrorEnvelope } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { bearer, postMcp, structured, toolCall } from '../mcp/mcp-client.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const cursorOf = (iso: string) =>
  Buffer.from(`${iso}|00000000-0000-4000-8000-000000000000`).toString('base64url');

describe('text the database cannot store', () => {
  it('is 422 naming the field, in bodies, queries and nested values', async () => {
    const key = server.adminKey;
    const cases: [string, string, Record<string, unknown> | undefined, string][] = [
      ['POST', '/keys', { name: 'a\u0000b', scopes: ['read'] }, 'name'],
      [
        'POST',
        '/campaigns',
        { name: 'Q2', objective_type: 'product_promotion', location: 'Brooklyn\u0000' },
        'location',
      ],
      ['POST', '/campaigns', { name: 'Q2 \ud800', objective_type: 'product_promotion' }, 'name'],
      [
        'POST',
        '/campaigns',
        { name: 'Q2', objective_type: 'product_promotion', keywords: ['ok', 'x\udc00y'] },
        'keywords.1',
      ],
      ['GET', '/audit-log?action=create%00key', undefined, 'action'],
      ['GET', '/audit-log?resource_id=%00', undefined, 'resource_id'],
    ];
    for (const [method, path, body, field] of cases) {
      const response = await api(server.url, method, path, { key, ...(body ? { body } : {}) });
      expect(response.status, `${method} ${path}`).toBe(422);
      expectErrorEnvelope(response, 'SERVER_005');
      expect(response.body.error.message).toContain(`${field}:`);
    }
    const created = await api(server.url, 'POST', '/keys', {
      key,
      body: { name: 'plain', scopes: ['read'] },
    });
    const renamed = await api(server.url, 'PATCH', `/keys/${created.body.data.id}`, {
      key,
      body: { name: 'lone \ud800 surrogate' },
    });
    expect(renamed.status).toBe(422);
    // Nothing was changed, and the audit log still reads.
    expect((await api(server.url, 'GET', '/audit-log', { key })).status).toBe(200);
  });

  it('is refused over MCP too, as a tool error with the same code', async () => {
    const answer = await postMcp(
      server.url,
      toolCall('keys_create', { name: 'a\u0000', scopes: ['read'] }),
      bearer(server.adminKey),
    );
    const result = (answer.body as { result: { isError: boolean } }).result;
    expect(result.isError).toBe(true);
    expect(structured(result).code).toBe('SERVER_005');
  });

  it('refuses input nested deeper than any operation takes with 400', async () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 40; i++) deep = { deep };
    const response = await api(server.url, 'POST', '/campaigns', {
      key: server.adminKey,
      body: { name: 'Q2', objective_type: 'product_promotion', extra: deep },
    });
    expect(response.status).toBe(400);
    expectErrorEnvelope(response, 'SERVER_002');
  });
});

describe('dates the database cannot store', () => {
  it('are 422 in timestamp fields, whatever the offset does to the year', async () => {
    const key = server.adminKey;
    for (const since of ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59-23:59']) {
      const listed = await api(server.url, 'GET', `/audit-log?since=${encodeURIComponent(since)}`, { key });
      expect(listed.status, since).toBe(422);
      expectErrorEnvelope(listed, 'SERVER_005');
    }
    const expiring = await api(server.url, 'POST', '/keys', {
      key,
      body: { name: 'far', scopes: ['read'], expires_at: '9999-12-31T23:59:59-23:59' },
    });
    expect(expiring.status).toBe(422);
    expect(expiring.body.error.message).toContain('expires_at');
  });

  it('are 400 in a cursor, on every paginated list', async () => {
    for (const path of ['/campaigns', '/keys', '/audit-log']) {
      for (const iso of [
        '-100000-01-01T00:00:00.000Z',
        '0000-01-01T00:00:00.000Z',
        '+275000-01-01T00:00:00.000Z',
      ]) {
        server.advance(1_100); // past the key's per-second burst window
        const response = await api(server.url, 'GET', `${path}?cursor=${cursorOf(iso)}`, {
          key: server.adminKey,
        });
        expect(response.status, `${path} ${iso}`).toBe(400);
        expectErrorEnvelope(response, 'SERVER_002');
      }
    }
  });
});

describe('a database error that slips through', () => {
  it('is SERVER_006, logged with its SQLSTATE and message, never its statement or parameters', () => {
    const raw: string[] = [];
    const logger = createLogger('error', (line) => raw.push(line));
    const cause = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), {
      name: 'PostgresError',
      code: '22021',
    });
    const error = new DrizzleQueryError('insert into api_keys (name) values ($1)', ['is_live_secret'], cause);
    const response = errorResponse({ logger }, error, 'req_1', 'keys.create');
    expect(response.status).toBe(500);
    expect((response.body as { error: { code: string } }).error.code).toBe('SERVER_006');
    const line = JSON.parse(raw[0] ?? '{}');
    expect(line).toMatchObject({ code: 'SERVER_006', sqlState: '22021', operationId: 'keys.create' });
    expect(raw.join('')).not.toContain('is_live_secret');
    expect(raw.join('')).not.toContain('insert into');
  });
});

describe('storableText (what arrives from outside: replies, webhook receivers)', () => {
  it('drops NUL, replaces every unpaired surrogate, keeps pairs, and cuts at the limit', () => {
    expect(storableText('a\u0000b\ud800c\udc00d\ud83d\ude80')).toBe('ab\ufffdc\ufffdd\ud83d\ude80');
    expect(storableText('\ud800\ud800')).toBe('\ufffd\ufffd');
    expect(storableText('abcdef', 3)).toBe('abc');
  });
});
