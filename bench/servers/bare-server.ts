/**
 * Bench child: the baseline, a bare express 5 app with one handler per case: GET /keys/me answers fixed
 * bytes (BENCH_KEYS_ME_BODY), GET /campaigns runs the list SELECT with drizzle and the same JSON shape,
 * POST /campaigns replays the 402 captured from iris (BENCH_CHALLENGE: status, headers and body).
 */

import type { AddressInfo } from 'node:net';
import { and, desc, eq, isNull } from 'drizzle-orm';
import express, { type Request, type Response } from 'express';
import { campaigns, users } from '../../db/schema.ts';
import { toCampaign } from '../../src/domain/campaigns/campaign-view.ts';
import { pageOf } from '../../src/domain/pagination.ts';
import { CapturedResponse } from '../lib/challenge.ts';
import { announce, failStartup, stopOnSignal } from '../lib/protocol.ts';
import { CAMPAIGNS_PER_ACCOUNT, openBenchDatabase, seedCampaigns } from '../lib/seed.ts';

const PAGE_SIZE = 20;
const JSON_TYPE = 'application/json; charset=utf-8';

async function main(): Promise<void> {
  const keysMeBytes = Buffer.from(process.env.BENCH_KEYS_ME_BODY ?? '', 'utf8');
  const challenge = process.env.BENCH_CHALLENGE
    ? CapturedResponse.parse(JSON.parse(process.env.BENCH_CHALLENGE))
    : undefined;
  const challengeBytes = Buffer.from(challenge?.body ?? '', 'utf8');

  const database = await openBenchDatabase();
  const { db } = database;
  const now = new Date();
  const [user] = await db
    .insert(users)
    .values({ email: `bare-${process.pid}-${now.getTime()}@bench.local`, kind: 'user', createdAt: now })
    .returning({ id: users.id });
  if (!user) throw new Error('user insert returned no row');
  await seedCampaigns(db, user.id, now, CAMPAIGNS_PER_ACCOUNT);

  const app = express();
  app.disable('x-powered-by');
  app.get('/keys/me', (_req: Request, res: Response) => {
    res.setHeader('Content-Type', JSON_TYPE);
    res.end(keysMeBytes);
  });
  app.get('/campaigns', async (_req: Request, res: Response) => {
    const rows = await db
      .select()
      .from(campaigns)
      .where(and(eq(campaigns.userId, user.id), isNull(campaigns.deletedAt)))
      .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
      .limit(PAGE_SIZE + 1);
    const page = pageOf(rows, PAGE_SIZE);
    res.setHeader('Content-Type', JSON_TYPE);
    res.end(
      JSON.stringify({
        success: true,
        data: page.rows.map(toCampaign),
        meta: { pagination: page.pagination },
      }),
    );
  });

  app.post('/campaigns', (_req: Request, res: Response) => {
    if (!challenge) {
      res.status(404).end();
      return;
    }
    res.statusCode = challenge.status;
    for (const [name, value] of challenge.headers) res.setHeader(name, value);
    res.end(challengeBytes);
  });

  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.keepAliveTimeout = 5_000;
  const { port } = server.address() as AddressInfo;
  stopOnSignal(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await database.close();
  });
  announce({ url: `http://127.0.0.1:${port}`, port, database: database.kind });
}

main().catch((error: unknown) => failStartup('bare-server', error));
