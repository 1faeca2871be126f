/**
 * Keyless quotes are counted per address in one bucket of their own, whichever transport carries them:
 * REST and MCP quotes from one address fill the same bucket, the calls past its limit are refused with
 * RATE_001 on both, and the address's other anonymous calls are not held back by it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BURST_LIMIT } from '../../src/pipeline/rate-limit/limits.ts';
import { api } from '../helpers/api.ts';
import { type PaidServer, startPaidServer } from '../helpers/paid-server.ts';
import { connectMcp, structured } from '../mcp/mcp-client.ts';

const body = { name: 'quoted', objective_type: 'product_promotion', outreach_channels: ['email'] };

let paid: PaidServer;
beforeAll(async () => {
  paid = await startPaidServer();
  // Ahead of real time, then stopped: every call lands in one window, which the stores' wall-clock sweeps
  // never end early.
  paid.server.advance(600_000);
  paid.server.pause();
});
afterAll(() => paid?.close());

describe('the keyless quote bucket', () => {
  it('bounds MCP quotes, and is the one REST quotes from the same address count in', async () => {
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const restQuote = (address: string) =>
      api(paid.server.url, 'POST', '/campaigns/quote', { headers: from(address), body });
    const client = await connectMcp(paid.server.url, from('10.12.0.1'));
    const other = await connectMcp(paid.server.url, from('10.12.0.2'));
    try {
      const mcpQuote = () => client.callTool({ name: 'campaigns_quote', arguments: body });
      const overRest = Math.floor(BURST_LIMIT.limit / 2);
      for (let i = 0; i < overRest; i++) {
        const quoted = await restQuote('10.12.0.1');
        expect(quoted.status, quoted.text).toBe(200);
      }
      for (let i = overRest; i < BURST_LIMIT.limit; i++) {
        const quoted = await mcpQuote();
        expect(quoted.isError, JSON.stringify(quoted)).toBeFalsy();
        expect(structured(quoted).data.operation).toBe('campaigns.create');
      }

      // The bucket is full: the next quote is refused over MCP and over REST alike.
      const refused = await mcpQuote();
      expect(refused.isError).toBe(true);
      expect(structured(refused)).toMatchObject({ code: 'RATE_001', limit: BURST_LIMIT.limit, remaining: 0 });
      const rest = await restQuote('10.12.0.1');
      expect([rest.status, rest.body.error.code]).toEqual([429, 'RATE_001']);
      expect(rest.headers.get('retry-after')).not.toBeNull();

      // Apart from the address's other anonymous calls (the 402 challenge still answers) and from
      // other addresses.
      const challenge = await api(paid.server.url, 'POST', '/campaigns', {
        headers: from('10.12.0.1'),
        body,
      });
      expect(challenge.status).toBe(402);
      const elsewhere = await other.callTool({ name: 'campaigns_quote', arguments: body });
      expect(elsewhere.isError, JSON.stringify(elsewhere)).toBeFalsy();
    } finally {
      await client.close();
      await other.close();
    }
  });
});
