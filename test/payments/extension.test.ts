/**
 * What it takes to add a rail or a payable operation: a rail is one module registered at composition,
 * a payable operation declares its price and what payment buys in its `payment` section. Neither
 * touches the gateway, the other rails or the pipeline. The rail here takes IOUs: whatever the
 * `X-IOU` header names is taken as paid.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { campaigns } from '../../db/schema.ts';
import { jobs } from '../../db/schema-jobs.ts';
import { payments } from '../../db/schema-payments.ts';
import { createPaymentGateway } from '../../payments/gateway/gateway.ts';
import { defineRail, type PaymentRail, type RailModule } from '../../payments/gateway/rail.ts';
import { RAILS } from '../../payments/rails.ts';
import { upsertIdentity } from '../../src/domain/agents/identities.ts';
import { completeDeferredPurchase } from '../../src/domain/payments/complete-purchase.ts';
import { agentPrincipal } from '../../src/domain/principal.ts';
import { defineOperation } from '../../src/operations/define-operation.ts';
import { operations } from '../../src/operations/registry.ts';
import { runHandler } from '../../src/pipeline/run-handler.ts';
import type { RailWire, Services } from '../../src/services.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { connectMcp, structured } from '../mcp/mcp-client.ts';

/** The whole rail: its challenge part, which requests are its, and paying (with nothing checked). */
function iouRail(services: Services): PaymentRail {
  return {
    name: 'iou',
    supports: (operation) => operation.payment.deferred !== undefined,
    challenge: async (_operation, price) => ({
      headers: { 'IOU-Required': String(price.mppCents) },
      body: { iou: { cents: price.mppCents } },
      offer: `an IOU of ${price.mppCents} cents`,
    }),
    carries: (request) => request.header('x-iou') !== undefined,
    async pay(call) {
      const signer = call.request.header('x-iou') as string;
      const identityId = await upsertIdentity(services.db, 'wallet', `iou:${signer}`);
      const resourceId = randomUUID();
      await runHandler(services, call.operation, call.input, {
        principal: agentPrincipal(services.systemUserId, identityId),
        requestId: call.request.requestId,
        services,
        now: call.now,
        payment: { rail: 'iou' },
        newId: resourceId,
      });
      const { data } = await services.db.transaction((tx) =>
        completeDeferredPurchase(
          tx,
          call.operation,
          resourceId,
          {
            rail: 'iou',
            identityId,
            amountMinor: BigInt(call.price.mppCents),
            currency: 'usd',
            reference: `iou:${signer}:${resourceId}`,
          },
          { systemUserId: services.systemUserId, keyLabel: 'agent (IOU)', now: call.now },
        ),
      );
      return { status: 201, headers: {}, body: { success: true, data, meta: { payment: { rail: 'iou' } } } };
    },
    close: async () => undefined,
  };
}

/** What the rail adds to CORS, the documents and MCP (where `_meta["iou/signer"]` carries the IOU). */
const iouWire: RailWire = {
  name: 'iou',
  requestHeaders: ['X-IOU'],
  responseHeaders: ['IOU-Required'],
  openapi: {
    securityScheme: { type: 'apiKey', in: 'header', name: 'X-IOU', description: 'an IOU' },
    accepts: (operation) => operation.payment?.deferred !== undefined,
    errorCodes: () => [],
    successHeaders: {},
    responses: () => ({}),
  },
  llms: ['## Paying with an IOU', '', '- Send X-IOU with your name.'],
  mcp: {
    howToPay: 'IOU: put your name in _meta["iou/signer"].',
    headersFromMeta: async (meta): Promise<Record<string, string>> =>
      typeof meta['iou/signer'] === 'string' ? { 'x-iou': meta['iou/signer'] } : {},
    receipts: () => ({}),
    challenge: async (header) => ({ structured: { iou_required: header('iou-required') }, meta: {} }),
  },
};

const iou: RailModule = defineRail({
  name: 'iou',
  wire: iouWire,
  // Its own variable, parsed and checked with the rest of the configuration at start.
  env: z.object({ IOU_ACCEPTED: z.enum(['yes', 'no']).default('yes') }),
  configured: (env) => env.IOU_ACCEPTED === 'yes',
  create: async ({ services }) => iouRail(services),
});

let server: TestServer;
beforeAll(async () => {
  // The registration line: the rails this server knows, plus one.
  server = await startTestServer({}, { rails: [...RAILS, iou] });
});
afterAll(() => server?.close());

describe('a rail registered at composition', () => {
  it('is offered in the 402 of every operation it supports, alone when no other rail is configured', async () => {
    const offered = await api(server.url, 'POST', '/campaigns', {
      body: { name: 'owed', objective_type: 'product_promotion' },
    });
    expect(offered.status).toBe(402);
    expect(offered.body.error.code).toBe('PAYMENT_001');
    expect(offered.body.error.message).toBe('payment required: an IOU of 240 cents');
    expect(offered.headers.get('iou-required')).toBe('240');
    expect(offered.body.iou).toEqual({ cents: 240 });
    expect(server.services.payments?.rails.map((rail) => rail.name)).toEqual(['iou']);
  });

  it('takes the calls carrying its credential: the campaign is created, paid, live and queued', async () => {
    const paid = await api(server.url, 'POST', '/campaigns', {
      headers: { 'x-iou': 'alice' },
      body: { name: 'paid with an IOU', objective_type: 'product_promotion' },
    });
    expect(paid.status, paid.text).toBe(201);
    expect(paid.body.data).toMatchObject({ name: 'paid with an IOU', status: 'active' });
    const id = paid.body.data.id as string;
    const db = server.services.db;
    const [payment] = await db.select().from(payments).where(eq(payments.campaignId, id));
    expect(payment).toMatchObject({ rail: 'iou', amountMinor: 240n, currency: 'usd' });
    expect(
      await db
        .select()
        .from(jobs)
        .where(eq(jobs.dedupeKey, `campaign.run:${id}`)),
    ).toHaveLength(1);
  });
});

describe("a rail's variables", () => {
  it('are its own: checked at start with the variable named, and turning it off leaves the other rails', async () => {
    await expect(startTestServer({ IOU_ACCEPTED: 'maybe' }, { rails: [...RAILS, iou] })).rejects.toThrow(
      /IOU_ACCEPTED/,
    );
    const off = await startTestServer({ IOU_ACCEPTED: 'no' }, { rails: [...RAILS, iou] });
    try {
      expect(off.services.payments).toBeUndefined();
      const free = await api(off.url, 'GET', '/openapi.json');
      expect(free.status).toBe(200);
    } finally {
      await off.close();
    }
  });
});

describe("a rail's wire", () => {
  it('is in CORS, the OpenAPI document, llms.txt and the MCP instructions', async () => {
    const preflight = await fetch(`${server.url}/campaigns`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-headers')).toContain('X-IOU');
    const read = await api(server.url, 'GET', '/keys/me', { key: server.adminKey });
    expect(read.headers.get('access-control-expose-headers')).toContain('IOU-Required');

    const doc = (await api(server.url, 'GET', '/openapi.json')).body;
    expect(doc.components.securitySchemes.iou).toMatchObject({ name: 'X-IOU' });
    expect(doc.paths['/campaigns'].post.security).toContainEqual({ iou: [] });
    expect(doc.paths['/agent/credits'].post.security).not.toContainEqual({ iou: [] });

    const llms = await fetch(`${server.url}/llms.txt`).then((r) => r.text());
    expect(llms).toContain('## Paying with an IOU');
    expect(llms).toMatch(/campaigns\.create;[^)]*agents may pay instead \(x402, mpp, iou\)/);
  });

  it('carries the payment of an MCP tool call from _meta and its challenge into the error result', async () => {
    const client = await connectMcp(server.url);
    try {
      expect(client.getInstructions()).toContain('IOU: put your name in _meta["iou/signer"].');
      const offered = await client.callTool({
        name: 'campaigns_create',
        arguments: { name: 'mcp owed', objective_type: 'product_promotion' },
      });
      expect(offered.isError).toBe(true);
      expect(structured(offered)).toMatchObject({
        code: 'PAYMENT_001',
        iou_required: '240',
        iou: { cents: 240 },
      });
      const paid = await client.callTool({
        name: 'campaigns_create',
        arguments: { name: 'mcp paid', objective_type: 'product_promotion' },
        _meta: { 'iou/signer': 'carol' },
      });
      expect(paid.isError, JSON.stringify(paid)).toBeFalsy();
      expect(structured(paid).data).toMatchObject({ name: 'mcp paid', status: 'active' });
    } finally {
      await client.close();
    }
  });
});

describe('a payable operation', () => {
  it('is sold by the rails through its payment section alone', async () => {
    const db = server.services.db;
    await db.execute(
      sql`create table if not exists test_notes (id uuid primary key, body text, live boolean)`,
    );
    const notesCreate = defineOperation({
      id: 'notes.create',
      method: 'POST',
      path: '/notes',
      summary: 'write a paid note',
      scope: 'write',
      payment: {
        price: { mppCents: 5, description: 'one note' },
        deferred: {
          activate: async (tx, id) => {
            const rows = await tx.execute(
              sql`update test_notes set live = true where id = ${id} and not live returning id, body`,
            );
            const [row] = Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows;
            return row;
          },
          undo: async (tx, id) => {
            await tx.execute(sql`delete from test_notes where id = ${id} and not live`);
          },
          view: async () => null,
        },
      },
      input: z.strictObject({ body: z.string() }),
      output: z.object({ id: z.string(), body: z.string() }),
      handler: async (ctx, input) => {
        await ctx.db.execute(
          sql`insert into test_notes (id, body, live) values (${ctx.newId ?? randomUUID()}, ${input.body}, false)`,
        );
        return { data: { id: ctx.newId ?? '', body: input.body } };
      },
    });
    const gateway = createPaymentGateway([iouRail(server.services)], [...operations, notesCreate]);
    const call = (headers: Record<string, string>) =>
      gateway.handle({
        services: server.services,
        operation: notesCreate,
        input: { body: 'hello' },
        request: {
          requestId: 'req_notes',
          ip: '127.0.0.1',
          header: (name) => headers[name],
          params: {},
          query: {},
          body: { body: 'hello' },
        },
        principal: { kind: 'anonymous' },
        now: new Date(),
      });

    const required = await call({}).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(required).toMatchObject({ code: 'PAYMENT_001', message: 'payment required: an IOU of 5 cents' });

    const paid = await call({ 'x-iou': 'bob' });
    expect(paid.status).toBe(201);
    const note = (paid.body as { data: { id: string } }).data;
    expect(note).toMatchObject({ body: 'hello' });
    const [payment] = await db
      .select()
      .from(payments)
      .where(and(eq(payments.rail, 'iou'), eq(payments.campaignId, note.id)));
    expect(payment?.amountMinor).toBe(5n);
    // Nothing of it is a campaign.
    expect(await db.select().from(campaigns).where(eq(campaigns.id, note.id))).toHaveLength(0);
  });
});
