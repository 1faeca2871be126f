/**
 * The trust predicate behind req.ip: express with `trust proxy` set to isLoopback gives the same caller
 * address as express's own 'loopback' setting (which parses each address with ipaddr.js), for the forms
 * X-Forwarded-For takes in practice and odd ones.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopback } from '../../src/http/loopback.ts';

const servers: { url: string; close: () => void }[] = [];

async function echoIp(trust: unknown): Promise<string> {
  const app = express();
  app.set('trust proxy', trust);
  app.get('/', (req, res) => {
    res.json({ ip: req.ip });
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  servers.push({ url, close: () => server.close() });
  return url;
}

let predicate: string;
let builtIn: string;
beforeAll(async () => {
  predicate = await echoIp((address: string) => isLoopback(address));
  builtIn = await echoIp('loopback');
});
afterAll(() => {
  for (const server of servers) server.close();
});

const ipOf = async (url: string, forwarded: string) =>
  ((await (await fetch(url, { headers: { 'x-forwarded-for': forwarded } })).json()) as { ip: string }).ip;

describe('isLoopback as the trust proxy predicate', () => {
  it("gives the caller express's 'loopback' setting gives", async () => {
    for (const forwarded of [
      '10.0.0.1',
      '1.2.3.4, 10.0.0.1',
      '1.2.3.4, 127.0.0.5',
      '2001:db8::1',
      'garbage',
      ' 10.0.0.1 , 127.0.0.1',
      '127.0.0.1, 127.0.0.2',
      '0127.0.0.1',
      '10.0.0.9, ::FFFF:127.0.0.9',
      '198.51.100.7,::1',
      '127.0.0.256, 9.9.9.9',
    ]) {
      expect(await ipOf(predicate, forwarded), forwarded).toBe(await ipOf(builtIn, forwarded));
    }
  });

  it('knows the loopback forms', () => {
    for (const address of ['127.0.0.1', '127.255.0.3', '::1', '::ffff:127.0.0.1', '::FFFF:127.1.2.3'])
      expect(isLoopback(address), address).toBe(true);
    for (const address of ['128.0.0.1', '0127.0.0.1', '127.0.0.256', '::2', '10.0.0.1', '', 'x'])
      expect(isLoopback(address), address).toBe(false);
  });
});
