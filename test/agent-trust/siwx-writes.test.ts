/**
 * Sign-in-with-X for writes: a wallet that paid renames, pauses and deletes its own campaign by signing
 * in, as its agent key would; a replayed sign-in, another paying wallet, a wallet that never paid and the
 * payment header shown again (enough for reads) change nothing. Used sign-ins are kept only while their
 * message could be accepted.
 */

import { SIGN_IN_WITH_X } from '@x402/extensions/sign-in-with-x';
import { and, eq } from 'drizzle-orm';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.ts';
import { siwxSignIns } from '../../db/schema-payments.ts';
import { SIWX_META_KEY } from '../../payments/x402/x402-wire.ts';
import { sweepExpired } from '../../src/compose.ts';
import { api } from '../helpers/api.ts';
import { type PaidServer, signAuthorization, startPaidServer, v1Header } from '../helpers/paid-server.ts';
import { SIWX_CAMPAIGN, siwxClient } from '../helpers/siwx.ts';
import { connectMcp, structured } from '../mcp/mcp-client.ts';

const PUBLIC_URL = 'https://iris.example';

let paid: PaidServer;
let siwx: ReturnType<typeof siwxClient>;
let ip = 0;
beforeAll(async () => {
  paid = await startPaidServer({ IRIS_PUBLIC_URL: PUBLIC_URL });
  siwx = siwxClient(paid, PUBLIC_URL);
});
afterAll(() => paid?.close());

/** A call from an address of its own (campaign writes are limited per address before the proof). */
const call = (
  method: string,
  path: string,
  options: { key?: string; headers?: Record<string, string>; body?: unknown } = {},
) =>
  api(paid.server.url, method, path, {
    ...options,
    headers: { ...options.headers, 'x-forwarded-for': `10.9.0.${++ip}` },
  });

/** The campaign as its agent key sees it. */
const readWithKey = (id: string, key: string) => call('GET', `/campaigns/${id}`, { key });

/** The three writes a sign-in may make, each with `headers`. */
const writes = (id: string) => [
  { method: 'PATCH', path: `/campaigns/${id}`, body: { name: 'taken over' } },
  { method: 'POST', path: `/campaigns/${id}/status`, body: { status: 'paused' } },
  { method: 'DELETE', path: `/campaigns/${id}`, body: undefined },
];

async function expectUnchanged(id: string, key: string): Promise<void> {
  const read = await readWithKey(id, key);
  expect(read.status, read.text).toBe(200);
  expect(read.body.data).toMatchObject({ id, name: SIWX_CAMPAIGN.name, status: 'active' });
}

describe('sign-in-with-x for campaign writes', () => {
  it('lets the paying wallet rename, pause and delete its own campaign, as its agent key would', async () => {
    const { payer, created } = await siwx.paidCampaign();
    const id = created.data.id as string;
    const key = created.meta.payment.agent_api_key.key as string;

    const renamed = await call('PATCH', `/campaigns/${id}`, {
      headers: await siwx.freshSignIn(payer.account),
      body: { name: 'renamed by signing in' },
    });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.data.name).toBe('renamed by signing in');

    const paused = await call('POST', `/campaigns/${id}/status`, {
      headers: await siwx.freshSignIn(payer.account),
      body: { status: 'paused' },
    });
    expect(paused.status, paused.text).toBe(200);
    expect((await readWithKey(id, key)).body.data).toMatchObject({
      name: 'renamed by signing in',
      status: 'paused',
    });

    // Audited as the agent identity, exactly as a call with its key.
    const audited = await paid.server.services.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resourceId, id), eq(auditLog.action, 'update_campaign')));
    expect(audited).toHaveLength(2);
    for (const row of audited) {
      expect(row.metadata).toMatchObject({ agent_identity_id: created.meta.payment.identity_id });
      expect(row.userId).toBe(paid.server.services.systemUserId);
    }

    const deleted = await call('DELETE', `/campaigns/${id}`, {
      headers: await siwx.freshSignIn(payer.account),
    });
    expect(deleted.status, deleted.text).toBe(200);
    const gone = await readWithKey(id, key);
    expect([gone.status, gone.body.error.code]).toEqual([404, 'CAMP_001']);
  });

  it('refuses a replayed sign-in (401 AUTH_001) and changes nothing with it', async () => {
    const { payer, created } = await siwx.paidCampaign();
    const id = created.data.id as string;
    const key = created.meta.payment.agent_api_key.key as string;
    const headers = await siwx.freshSignIn(payer.account);
    const first = await call('GET', `/campaigns/${id}`, { headers });
    expect(first.status, first.text).toBe(200);

    for (const write of writes(id)) {
      const replayed = await call(write.method, write.path, { headers, body: write.body });
      expect(replayed.status, `${write.method} ${write.path}`).toBe(401);
      expect(replayed.body.error.code).toBe('AUTH_001');
      expect(replayed.body.error.message).toContain('used already');
    }
    await expectUnchanged(id, key);
  });

  it("answers another paying wallet's sign-in 404 on the first wallet's campaign, changing nothing", async () => {
    const first = await siwx.paidCampaign();
    const other = await siwx.paidCampaign();
    const id = first.created.data.id as string;
    for (const write of writes(id)) {
      const refused = await call(write.method, write.path, {
        headers: await siwx.freshSignIn(other.payer.account),
        body: write.body,
      });
      expect(refused.status, `${write.method} ${write.path}`).toBe(404);
      expect(refused.body.error.code).toBe('CAMP_001');
    }
    await expectUnchanged(id, first.created.meta.payment.agent_api_key.key);
    // Its own campaign the other wallet still manages.
    const own = await call('PATCH', `/campaigns/${other.created.data.id}`, {
      headers: await siwx.freshSignIn(other.payer.account),
      body: { name: 'mine' },
    });
    expect(own.status, own.text).toBe(200);
  });

  it('takes the payment header shown again for reads, never for writes (401 APIKEY_001)', async () => {
    const payer = await paid.newPayer();
    const header = v1Header(await signAuthorization(payer.account, { to: paid.payTo }));
    const created = await call('POST', '/campaigns', {
      headers: { 'x-payment': header },
      body: SIWX_CAMPAIGN,
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.data.id as string;

    const read = await call('GET', `/campaigns/${id}`, { headers: { 'x-payment': header } });
    expect(read.status, read.text).toBe(200);
    for (const write of writes(id)) {
      const refused = await call(write.method, write.path, {
        headers: { 'x-payment': header },
        body: write.body,
      });
      expect(refused.status, `${write.method} ${write.path}`).toBe(401);
      expect(refused.body.error.code).toBe('APIKEY_001');
      expect(refused.headers.get('www-authenticate')).toContain('Bearer');
    }
    await expectUnchanged(id, created.body.meta.payment.agent_api_key.key);
  });

  it('refuses a wallet that never paid here (401 AUTH_001), changing nothing', async () => {
    const { created } = await siwx.paidCampaign();
    const id = created.data.id as string;
    const stranger = privateKeyToAccount(generatePrivateKey());
    for (const write of writes(id)) {
      const refused = await call(write.method, write.path, {
        headers: await siwx.freshSignIn(stranger),
        body: write.body,
      });
      expect(refused.status, `${write.method} ${write.path}`).toBe(401);
      expect(refused.body.error.code).toBe('AUTH_001');
      expect(refused.body.error.message).toContain('has not paid');
    }
    await expectUnchanged(id, created.meta.payment.agent_api_key.key);
  });

  it('takes the sign-in over MCP from _meta["x402/sign-in-with-x"], once, and nothing without it', async () => {
    const { payer, created } = await siwx.paidCampaign();
    const id = created.data.id as string;
    const key = created.meta.payment.agent_api_key.key as string;
    const client = await connectMcp(paid.server.url);
    try {
      const rename = (meta: Record<string, unknown>) =>
        client.callTool({
          name: 'campaigns_update',
          arguments: { id, name: 'renamed over mcp' },
          _meta: meta,
        });
      // A 401 from the pipeline is the HTTP answer of the whole request, as for a key that does not hold.
      await expect(rename({})).rejects.toThrow(/APIKEY_001/);
      await expectUnchanged(id, key);

      const header = (await siwx.freshSignIn(payer.account))[SIGN_IN_WITH_X] as string;
      const renamed = await rename({ [SIWX_META_KEY]: header });
      expect(renamed.isError, JSON.stringify(renamed)).toBeFalsy();
      expect(structured(renamed).data.name).toBe('renamed over mcp');

      const replayed = client.callTool({
        name: 'campaigns_set_status',
        arguments: { id, status: 'paused' },
        _meta: { [SIWX_META_KEY]: header },
      });
      await expect(replayed).rejects.toThrow(/AUTH_001/);
      expect((await readWithKey(id, key)).body.data).toMatchObject({
        name: 'renamed over mcp',
        status: 'active',
      });
    } finally {
      await client.close();
    }
  });

  it('documents which proof each operation takes', async () => {
    const doc = (await api(paid.server.url, 'GET', '/openapi.json')).body;
    expect(doc.paths['/campaigns/{id}'].patch['x-iris-agent-proof']).toBe('sign-in');
    expect(doc.paths['/campaigns/{id}'].delete['x-iris-agent-proof']).toBe('sign-in');
    expect(doc.paths['/campaigns/{id}/status'].post['x-iris-agent-proof']).toBe('sign-in');
    expect(doc.paths['/campaigns/{id}'].get['x-iris-agent-proof']).toBe('sign-in-or-payment');
    expect(doc.paths['/campaigns'].post['x-iris-agent-proof']).toBeUndefined();
    // An MPP credential identifies an agent for reads only: its refusals are documented there alone.
    const answers = (operation: { responses: unknown }) => JSON.stringify(operation.responses);
    expect(answers(doc.paths['/campaigns/{id}'].get)).toContain('PAYMENT_003');
    expect(answers(doc.paths['/campaigns/{id}'].patch)).not.toContain('PAYMENT_003');
    expect(answers(doc.paths['/campaigns/{id}/status'].post)).not.toContain('PAYMENT_003');
  });
});

describe('used sign-ins', () => {
  const signInsOf = (address: string) =>
    paid.server.services.db.select().from(siwxSignIns).where(eq(siwxSignIns.address, address));

  it('are kept while the message could be accepted, at most its five minutes, then swept', async () => {
    const { payer, created } = await siwx.paidCampaign();
    const id = created.data.id as string;
    const issuedAt = new Date();
    const short = await siwx.freshSignIn(payer.account, {
      issuedAt: issuedAt.toISOString(),
      expirationTime: new Date(issuedAt.getTime() + 60_000).toISOString(),
    });
    // A message claiming a day is still accepted only for the five minutes after it was issued.
    const long = await siwx.freshSignIn(payer.account, {
      issuedAt: issuedAt.toISOString(),
      expirationTime: new Date(issuedAt.getTime() + 86_400_000).toISOString(),
    });
    expect((await call('GET', `/campaigns/${id}`, { headers: short })).status).toBe(200);
    expect((await call('GET', `/campaigns/${id}`, { headers: long })).status).toBe(200);
    const kept = (await signInsOf(payer.address)).map((row) => row.expiresAt.getTime()).sort();
    expect(kept).toEqual([issuedAt.getTime() + 60_000, issuedAt.getTime() + 300_000]);

    const { db, logger } = paid.server.services;
    const clock = () => paid.server.services.clock();
    paid.server.advance(issuedAt.getTime() + 120_000 - clock().getTime());
    await sweepExpired(db, clock(), logger);
    expect((await signInsOf(payer.address)).map((row) => row.expiresAt.getTime())).toEqual([
      issuedAt.getTime() + 300_000,
    ]);

    paid.server.advance(240_000);
    await sweepExpired(db, clock(), logger);
    expect(await signInsOf(payer.address)).toEqual([]);
  });
});
