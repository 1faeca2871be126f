/**
 * clientIp gives what express's req.ip gives with `trust proxy` = loopback (proxy-addr, which express
 * uses for it), for the forms X-Forwarded-For takes in practice and the odd ones.
 */
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { clientIp, isLoopback } from '../../src/http/client-ip.ts';

type ProxyAddr = ((req: unknown, trust: unknown) => string) & { compile(value: string): unknown };
const proxyAddr = createRequire(import.meta.url)('proxy-addr') as ProxyAddr;
const loopbackTrust = proxyAddr.compile('loopback');

function request(peer: string, forwarded?: string) {
  return {
    socket: { remoteAddress: peer },
    connection: { remoteAddress: peer },
    headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded },
  };
}

describe('clientIp', () => {
  it('agrees with express (proxy-addr, trust loopback)', () => {
    const peers = ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '10.1.1.1', '2001:db8::5'];
    const headers = [
      undefined,
      '',
      '10.0.0.1',
      '1.2.3.4, 10.0.0.1',
      '1.2.3.4, 127.0.0.5',
      '2001:db8::1',
      'garbage',
      ' 10.0.0.1 , 127.0.0.1',
      '127.0.0.1, 127.0.0.2',
      '0127.0.0.1',
      '::ffff:127.0.0.1',
      '10.0.0.9, ::FFFF:127.0.0.9',
      '1.2.3.4,,',
      ',,',
      '198.51.100.7,::1',
      '127.0.0.256, 9.9.9.9',
    ];
    for (const peer of peers) {
      for (const forwarded of headers) {
        const req = request(peer, forwarded);
        expect(clientIp(req as unknown as IncomingMessage), `${peer} / ${forwarded}`).toBe(
          proxyAddr(req, loopbackTrust),
        );
      }
    }
  });

  it('knows the loopback forms', () => {
    for (const address of ['127.0.0.1', '127.255.0.3', '::1', '::ffff:127.0.0.1', '::FFFF:127.1.2.3'])
      expect(isLoopback(address), address).toBe(true);
    for (const address of ['128.0.0.1', '0127.0.0.1', '127.0.0.256', '::2', '10.0.0.1', '', 'x'])
      expect(isLoopback(address), address).toBe(false);
  });
});
