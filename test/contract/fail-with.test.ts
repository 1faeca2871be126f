/**
 * failWith is the HTTP front's last resort for a request whose handling threw or rejected: the iris error
 * envelope when nothing was sent yet, otherwise (or when even that cannot be written) a log line and a cut
 * connection — never an exception out of the request listener.
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/api-error.ts';
import { failWith } from '../../src/http/app.ts';
import { createLogger } from '../../src/logger.ts';

function logger() {
  const lines: string[] = [];
  return { lines, logger: createLogger('error', (line) => lines.push(line)) };
}

function response() {
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  let destroyed = false;
  res.destroy = () => {
    destroyed = true;
    return res;
  };
  const written: string[] = [];
  res.end = ((chunk?: unknown) => {
    if (typeof chunk === 'string') written.push(chunk);
    return res;
  }) as ServerResponse['end'];
  return { res, written, destroyed: () => destroyed };
}

describe('failWith', () => {
  it('answers with the envelope of the error', () => {
    const { logger: log, lines } = logger();
    const { res, written, destroyed } = response();
    failWith({ logger: log }, res, new ApiError('SERVER_002', 'malformed JSON in request body'));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(written[0] ?? '{}')).toMatchObject({
      success: false,
      error: { code: 'SERVER_002', message: 'malformed JSON in request body' },
    });
    expect(destroyed()).toBe(false);
    expect(lines).toHaveLength(0);
  });

  it('cuts the connection when the answer had begun', () => {
    const { logger: log, lines } = logger();
    const { res, destroyed } = response();
    Object.defineProperty(res, 'headersSent', { value: true });
    failWith({ logger: log }, res, new Error('late failure'));
    expect(destroyed()).toBe(true);
    expect(lines.join('')).toContain('late failure');
  });

  it('cuts the connection, without throwing, when the error answer cannot be written', () => {
    const { logger: log, lines } = logger();
    const { res, destroyed } = response();
    res.setHeader = () => {
      throw new Error('socket gone');
    };
    expect(() => failWith({ logger: log }, res, new Error('first failure'))).not.toThrow();
    expect(destroyed()).toBe(true);
    expect(lines.join('')).toContain('socket gone');
  });
});
