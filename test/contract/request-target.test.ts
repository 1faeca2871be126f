/**
 * pathOf and queryOf read a request target as express's req.path and req.query do (its default "simple"
 * query parser), so REST routes behave as they did under express.
 */
import express from 'express';
import { describe, expect, it } from 'vitest';
import { pathOf, queryOf } from '../../src/http/request-target.ts';

const TARGETS = [
  '/',
  '/campaigns',
  '/campaigns/',
  '/campaigns?limit=5',
  '/campaigns?limit=5&limit=6&status=active',
  '/campaigns?',
  '/campaigns?a=%20b&c=d%3De&flag',
  '/campaigns/abc%2Fdef?x=1#frag',
  '/campaigns#frag?not=query',
  '/campaigns?q=a+b&empty=',
  '//double/slash?x',
  'http://api.iris.test/campaigns?limit=2',
  'http://api.iris.test',
  '*',
];

describe('request target', () => {
  it('agrees with express on the path and the query', () => {
    const app = express();
    for (const url of TARGETS) {
      const req = Object.assign(Object.create(app.request) as express.Request, { url });
      expect(pathOf(url), url).toBe(req.path);
      expect({ ...(queryOf(url) ?? {}) }, url).toEqual({ ...req.query });
    }
  });

  it('has no query without a question mark', () => {
    expect(queryOf('/campaigns')).toBeUndefined();
    expect(queryOf('/campaigns#x')).toBeUndefined();
  });
});
