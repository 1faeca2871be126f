/**
 * Used sign-ins are swept with the other expired rows on every server, x402 configured or not: their
 * table exists on all of them, and rows left by a server that had x402 on must not stay for good.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siwxSignIns } from '../../db/schema-payments.ts';
import { claimSignIn } from '../../payments/x402/siwx-sign-ins.ts';
import { sweepExpired } from '../../src/compose.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server?.close());

const ADDRESS = '0x000000000000000000000000000000000000dEaD';

describe('the sweep of used sign-ins', () => {
  it('deletes the expired ones and keeps the live ones, with no payment rail configured', async () => {
    expect(server.services.payments).toBeUndefined();
    const { db, logger } = server.services;
    const now = server.services.clock().getTime();
    const claim = (nonce: string, usableUntilMs: number) =>
      claimSignIn(db, { address: ADDRESS, nonce, usableUntil: new Date(usableUntilMs) });
    const expired = randomBytes(8).toString('hex');
    const live = randomBytes(8).toString('hex');
    expect(await claim(expired, now - 1_000)).toBe(true);
    expect(await claim(live, now + 240_000)).toBe(true);
    // Claimed once: the second claim of the same nonce is refused.
    expect(await claim(live, now + 240_000)).toBe(false);
    const nonces = async () =>
      (await db.select().from(siwxSignIns).where(eq(siwxSignIns.address, ADDRESS))).map((row) => row.nonce);

    await sweepExpired(db, server.services.clock(), logger);
    expect(await nonces()).toEqual([live]);

    server.advance(240_001);
    await sweepExpired(db, server.services.clock(), logger);
    expect(await nonces()).toEqual([]);
  });
});
