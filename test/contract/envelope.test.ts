import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, expectErrorEnvelope } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

const ISO_MS_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ IRIS_BODY_LIMIT_BYTES: '4096' });
});
afterAll(() => server.close());

describe('wire contract', () => {
  it('answers an unknown route with 404 SERVER_003', async () => {
    const response = await api(server.url, 'GET', '/no/such/thing', { key: server.adminKey });
    expect(response.status).toBe(404);
    expectErrorEnvelope(response, 'SERVER_003');
  });

  it('answers a known path with the wrong method with 405 SERVER_004 and Allow', async () => {
    const response = await api(server.url, 'PUT', '/campaigns', { key: server.adminKey, body: {} });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toContain('POST');
    expect(response.headers.get('allow')).toContain('GET');
    expectErrorEnvelope(response, 'SERVER_004');
  });

  it('answers OPTIONS on a known path with 204 and the Allow it advertises, the union of matching paths', async () => {
    const options = await fetch(`${server.url}/campaigns`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
    // /keys/me is its own path and an id of /keys/:id.
    const me = await fetch(`${server.url}/keys/me`, { method: 'OPTIONS' });
    expect(me.status).toBe(204);
    const allow = me.headers.get('allow')?.split(', ') ?? [];
    expect(allow).toEqual(expect.arrayContaining(['GET', 'DELETE', 'OPTIONS']));
    const unknown = await fetch(`${server.url}/nowhere`, { method: 'OPTIONS' });
    expect(unknown.status).toBe(404);
  });

  it('answers malformed JSON with 400 SERVER_002', async () => {
    const response = await api(server.url, 'POST', '/campaigns', {
      key: server.adminKey,
      rawBody: '{"name": ',
    });
    expect(response.status).toBe(400);
    expectErrorEnvelope(response, 'SERVER_002');
  });

  it('answers a body that is not an object with 400 SERVER_002', async () => {
    const response = await api(server.url, 'POST', '/campaigns', { key: server.adminKey, body: [1, 2] });
    expect(response.status).toBe(400);
    expectErrorEnvelope(response, 'SERVER_002');
  });

  it('answers failed validation with 422 SERVER_005 naming each field', async () => {
    const response = await api(server.url, 'POST', '/campaigns', {
      key: server.adminKey,
      body: { objective_type: 'Bad Type', max_results: 0, surprise: true },
    });
    expect(response.status).toBe(422);
    expectErrorEnvelope(response, 'SERVER_005');
    const message: string = response.body.error.message;
    expect(message).toContain('name: required');
    expect(message).toContain('objective_type');
    expect(message).toContain('max_results');
    expect(message).toContain('surprise: unknown field');
  });

  it('rejects a body over the size limit with 413 SERVER_011', async () => {
    const response = await api(server.url, 'POST', '/campaigns', {
      key: server.adminKey,
      body: { name: 'x'.repeat(5000), objective_type: 'venue_dj' },
    });
    expect(response.status).toBe(413);
    expectErrorEnvelope(response, 'SERVER_011');
  });

  it('sets X-Request-ID on every response, unique per request, also on success and CORS preflight', async () => {
    const a = await api(server.url, 'GET', '/keys/me', { key: server.adminKey });
    const b = await api(server.url, 'GET', '/keys/me', { key: server.adminKey });
    const preflight = await fetch(`${server.url}/campaigns`, {
      method: 'OPTIONS',
      headers: { origin: 'https://example.com', 'access-control-request-method': 'POST' },
    });
    for (const response of [a, b]) expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expect(preflight.headers.get('x-request-id')).toMatch(/^req_/);
    expect(a.headers.get('x-request-id')).not.toBe(b.headers.get('x-request-id'));
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Idempotency-Key');
    // A wallet's sign-in is sent cross-origin too (payments/x402/siwx.ts).
    expect(preflight.headers.get('access-control-allow-headers')).toContain('SIGN-IN-WITH-X');
    expect(a.headers.get('access-control-expose-headers')).toContain('PAYMENT-REQUIRED');
  });

  it('wraps success as {success, data} and lists as {success, data, meta.pagination}', async () => {
    const created = await api(server.url, 'POST', '/campaigns', {
      key: server.adminKey,
      body: { name: 'envelope', objective_type: 'product_promotion' },
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['data', 'success']);
    expect(created.body.success).toBe(true);
    expect(created.body.data.created_at).toMatch(ISO_MS_UTC);
    expect(created.body.data.updated_at).toMatch(ISO_MS_UTC);

    const list = await api(server.url, 'GET', '/campaigns', { key: server.adminKey });
    expect(list.status).toBe(200);
    expect(list.body.meta.pagination).toEqual({ limit: 20, has_more: false, next_cursor: null });
  });

  it('reports readiness with the database on /health', async () => {
    const response = await api(server.url, 'GET', '/health');
    expect(response.status).toBe(200);
    expect(response.body.data.database.status).toBe('ok');
    expect(response.body.data.database.kind).toBe(server.database.kind);
  });
});

describe('routing edges', () => {
  it('treats a trailing slash like the path without it, and bad percent-encoding as not found', async () => {
    const slash = await api(server.url, 'GET', '/keys/me/', { key: server.adminKey });
    expect(slash.status).toBe(200);
    const bad = await api(server.url, 'GET', '/campaigns/%E0%A4%A', { key: server.adminKey });
    expect(bad.status).toBe(404);
    expect(bad.body.error.code).toBe('SERVER_003');
  });

  it('answers HEAD like GET without a body', async () => {
    const response = await fetch(`${server.url}/keys/me`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${server.adminKey}` },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });
});
