/**
 * Logs: JSON lines with level, time and message; levels below the threshold dropped; credentials censored
 * wherever a field carries them; and one line per answered request over HTTP (REST, MCP, 404s,
 * preflights) naming the route, status, time, request id and caller, never a header or a key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { bearer, postMcpRaw, toolCall } from '../mcp/mcp-client.ts';

// biome-ignore lint/suspicious/noExplicitAny: log lines are inspected freely
type Line = Record<string, any>;

function capture(level: 'debug' | 'info' | 'error' = 'info') {
  const raw: string[] = [];
  const logger = createLogger(level, (line) => raw.push(line));
  return { logger, raw, lines: () => raw.map((line) => JSON.parse(line) as Line) };
}

describe('createLogger', () => {
  it('writes one JSON line per event at or above its level', () => {
    const { logger, raw, lines } = capture('info');
    logger.debug('not written');
    logger.info('written', { n: 1 });
    logger.error('also written');
    expect(raw).toHaveLength(2);
    expect(raw.every((line) => line.endsWith('\n'))).toBe(true);
    const [info, error] = lines();
    expect(info).toMatchObject({ level: 'info', message: 'written', n: 1 });
    expect(new Date(info?.time).toISOString()).toBe(info?.time);
    expect(error).toMatchObject({ level: 'error', message: 'also written' });
    const silent = capture();
    createLogger('silent', (line) => silent.raw.push(line)).error('nothing');
    expect(silent.raw).toEqual([]);
    expect([logger.enabled('debug'), logger.enabled('info'), logger.enabled('error')]).toEqual([
      false,
      true,
      true,
    ]);
    expect(createLogger('silent', () => {}).enabled('error')).toBe(false);
  });

  it('censors credentials at the top of the fields and one level down', () => {
    const { logger, raw } = capture();
    const secret = 'is_live_abcdefghijklmnopqrstuvwxyz';
    logger.warn('careful', {
      authorization: `Bearer ${secret}`,
      'payment-signature': 'eyJzaWduYXR1cmUiOiIweDEifQ',
      headers: { Authorization: `Bearer ${secret}`, 'x-payment': 'eyJ4In0', accept: 'application/json' },
      apiKey: secret,
    });
    expect(raw.join('')).not.toContain(secret);
    expect(raw.join('')).not.toContain('eyJ');
    expect(JSON.parse(raw[0] ?? '{}').headers).toEqual({
      Authorization: '[redacted]',
      'x-payment': '[redacted]',
      accept: 'application/json',
    });
  });
});

describe('request log', () => {
  const log = capture();
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { logger: log.logger });
  });
  afterAll(() => server?.close());

  /** The request line of the response with this id (written when the response closes). */
  async function lineOf(requestId: string | null): Promise<Line> {
    for (let i = 0; i < 50; i++) {
      const found = log.lines().find((line) => line.message === 'request' && line.requestId === requestId);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no request line for ${requestId}`);
  }

  it('logs a REST answer with its operation, status, time and caller, and no credentials', async () => {
    const me = await api(server.url, 'GET', '/keys/me', { key: server.adminKey });
    const line = await lineOf(me.headers.get('x-request-id'));
    expect(line).toMatchObject({
      level: 'info',
      method: 'GET',
      route: 'keys.me',
      status: 200,
      principal: `key:${me.body.data.id}`,
    });
    expect(line.ms).toBeGreaterThanOrEqual(0);
    const denied = await api(server.url, 'GET', '/campaigns', { key: `is_live_${'z'.repeat(30)}` });
    expect(await lineOf(denied.headers.get('x-request-id'))).toMatchObject({
      route: 'campaigns.list',
      status: 401,
      principal: null,
    });
    expect(log.raw.join('')).not.toContain(server.adminKey);
  });

  it('logs MCP calls, unknown routes and CORS preflights too', async () => {
    const mcp = await postMcpRaw(server.url, toolCall('keys_me'), bearer(server.adminKey));
    expect(await lineOf(mcp.headers.get('x-request-id'))).toMatchObject({ route: 'mcp', status: 200 });
    const missing = await api(server.url, 'GET', '/nowhere');
    expect(await lineOf(missing.headers.get('x-request-id'))).toMatchObject({ route: null, status: 404 });
    const preflight = await fetch(`${server.url}/campaigns`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(await lineOf(preflight.headers.get('x-request-id'))).toMatchObject({
      method: 'OPTIONS',
      status: 204,
    });
    expect(log.raw.join('')).not.toContain(server.adminKey);
  });
});
