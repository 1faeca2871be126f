/**
 * Bench child: the baseline, one bare handler per case: GET /keys/me answers fixed bytes
 * (BENCH_KEYS_ME_BODY), GET /campaigns runs the list SELECT with drizzle and the same JSON shape,
 * POST /campaigns replays the 402 captured from iris (BENCH_CHALLENGE: status, headers and body).
 * The handlers are served twice: as express 5 routes (`url`: the baseline the targets were set against)
 * and straight on node:http (`nodeUrl`: reported, the stack iris serves its REST routes on).
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, desc, eq, isNull } from 'drizzle-orm';
import express from 'express';
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

  const keysMe = (_req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('Content-Type', JSON_TYPE);
    res.end(keysMeBytes);
  };
  const listCampaigns = async (_req: IncomingMessage, res: ServerResponse) => {
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
  };
  const paymentRequired = (_req: IncomingMessage, res: ServerResponse) => {
    if (!challenge) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.statusCode = challenge.status;
    for (const [name, value] of challenge.headers) res.setHeader(name, value);
    res.end(challengeBytes);
  };

  // The same handlers straight on node:http, as iris serves its REST routes.
  const node = createServer((req, res) => {
    const route = `${req.method} ${req.url}`;
    if (route === 'GET /keys/me') keysMe(req, res);
    else if (route === 'GET /campaigns') void listCampaigns(req, res);
    else if (route === 'POST /campaigns') paymentRequired(req, res);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  // The baseline: the handlers as express 5 routes.
  const app = express();
  app.disable('x-powered-by');
  app.get('/keys/me', keysMe);
  app.get('/campaigns', listCampaigns);
  app.post('/campaigns', paymentRequired);
  const servers = [createServer(app), node];
  const ports: number[] = [];
  for (const server of servers) {
    server.listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    server.keepAliveTimeout = 5_000;
    ports.push((server.address() as AddressInfo).port);
  }
  const [port, nodePort] = ports as [number, number];
  stopOnSignal(async () => {
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeIdleConnections();
          }),
      ),
    );
    await database.close();
  });
  announce({
    url: `http://127.0.0.1:${port}`,
    port,
    nodeUrl: `http://127.0.0.1:${nodePort}`,
  });
}

main().catch((error: unknown) => failStartup('bare-server', error));
