/**
 * Notifications: seeded with notify() (as the work that reports events does), then listed newest first
 * with pagination and the `unread` filter, marked read and unread, soft-deleted and all marked read, with
 * their audit rows. Another account's, a deleted or a malformed id is 404 SERVER_003 and never shows
 * data; agents' keys own none; a read-only key cannot change them. Also over MCP and the CLI.
 */

import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.ts';
import { notifications } from '../../db/schema-events.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { type NotificationKind, notify } from '../../src/domain/notifications/notify.ts';
import { emptyHome, json, runCli } from '../cli/support.ts';
import { agentWithKey } from '../helpers/agent-key.ts';
import { api, createKey, expectErrorEnvelope } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { bearer, connectMcp, structured } from '../mcp/mcp-client.ts';

let server: TestServer;
let accounts = 0;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());
beforeEach(() => server.advance(61_000));

const T0 = Date.parse('2026-03-01T12:00:00.000Z');

/** A new account with its admin key, so each test starts from no notifications. */
async function freshAccount(): Promise<{ userId: string; key: string }> {
  accounts += 1;
  const created = await createAccount(server.services.db, `notified-${accounts}@example.com`);
  return { userId: created.userId, key: created.key.key };
}

/** Seeds `count` notifications a second apart (the last one newest); returns their ids, oldest first. */
async function seed(userId: string, count: number, kind: NotificationKind = 'campaign.completed') {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const row = await notify(server.services.db, userId, kind, { n: i }, new Date(T0 + i * 1000));
    ids.push(row.id);
  }
  return ids;
}

const list = (key: string, query = '') => api(server.url, 'GET', `/notifications${query}`, { key });
const setRead = (key: string, id: string, read: unknown) =>
  api(server.url, 'PATCH', `/notifications/${id}`, { key, body: { read } });
const remove = (key: string, id: string) => api(server.url, 'DELETE', `/notifications/${id}`, { key });
const readAll = (key: string) => api(server.url, 'POST', '/notifications/read-all', { key });

async function auditOf(action: string, userId: string) {
  return server.services.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.userId, userId)));
}

function expectNotFound(response: Awaited<ReturnType<typeof api>>) {
  expect(response.status, response.text).toBe(404);
  expectErrorEnvelope(response, 'SERVER_003');
  expect(response.body.error.message).toContain('notification not found');
}

describe('notify()', () => {
  it('writes one unread row in the caller’s transaction, and none when that transaction rolls back', async () => {
    const owner = await freshAccount();
    const row = await notify(server.services.db, owner.userId, 'reply.received', { contact_id: 'c1' });
    expect(row).toMatchObject({
      userId: owner.userId,
      kind: 'reply.received',
      readAt: null,
      deletedAt: null,
    });
    expect(row.payload).toEqual({ contact_id: 'c1' });

    const rolledBack = server.services.db.transaction(async (tx) => {
      await notify(tx, owner.userId, 'limit.reached', {});
      throw new Error('the change failed');
    });
    await expect(rolledBack).rejects.toThrow('the change failed');
    const rows = await server.services.db
      .select()
      .from(notifications)
      .where(eq(notifications.userId, owner.userId));
    expect(rows.map((r) => r.kind)).toEqual(['reply.received']);
  });
});

describe('notifications.list', () => {
  it('lists the bootstrap account’s notifications newest first, page by page', async () => {
    const ids = await seed(server.ownerId, 5);
    const first = await list(server.adminKey, '?limit=2');
    expect(first.status, first.text).toBe(200);
    expect(first.body.data.map((n: { id: string }) => n.id)).toEqual([ids[4], ids[3]]);
    expect(first.body.data[0]).toEqual({
      id: ids[4],
      kind: 'campaign.completed',
      payload: { n: 4 },
      read: false,
      read_at: null,
      created_at: new Date(T0 + 4000).toISOString(),
    });
    expect(first.body.meta.pagination).toMatchObject({ limit: 2, has_more: true });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(server.adminKey, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status, page.text).toBe(200);
      seen.push(...page.body.data.map((n: { id: string }) => n.id));
      cursor = page.body.meta.pagination.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const bad = await list(server.adminKey, '?cursor=nonsense');
    expect([bad.status, bad.body.error.code]).toEqual([400, 'SERVER_002']);
  });

  it('filters with unread=true / unread=false, as query strings', async () => {
    const owner = await freshAccount();
    const ids = await seed(owner.userId, 4);
    expect((await setRead(owner.key, ids[1] as string, true)).status).toBe(200);
    expect((await setRead(owner.key, ids[2] as string, true)).status).toBe(200);

    const unread = await list(owner.key, '?unread=true');
    expect(unread.status, unread.text).toBe(200);
    expect(unread.body.data.map((n: { id: string }) => n.id)).toEqual([ids[3], ids[0]]);
    const read = await list(owner.key, '?unread=false');
    expect(read.body.data.map((n: { id: string }) => n.id)).toEqual([ids[2], ids[1]]);
    expect((await list(owner.key)).body.data).toHaveLength(4);

    const wrong = await list(owner.key, '?unread=yes');
    expect([wrong.status, wrong.body.error.code]).toEqual([422, 'SERVER_005']);
    expect(wrong.body.error.message).toContain('unread');
  });

  it('never shows another account’s notifications', async () => {
    const mine = await freshAccount();
    const theirs = await freshAccount();
    const [own] = await seed(mine.userId, 1);
    await seed(theirs.userId, 3, 'payment.refunded');
    const listed = await list(mine.key);
    expect(listed.body.data.map((n: { id: string }) => n.id)).toEqual([own]);
  });
});

describe('notifications.update', () => {
  it('marks read (keeping the first read time) and unread again, with an audit row each', async () => {
    const owner = await freshAccount();
    const [id] = (await seed(owner.userId, 1)) as [string];
    const read = await setRead(owner.key, id, true);
    expect(read.status, read.text).toBe(200);
    expect(read.body.data).toMatchObject({ id, read: true, read_at: expect.any(String) });
    const firstReadAt = read.body.data.read_at as string;

    server.advance(5_000);
    const again = await setRead(owner.key, id, true);
    expect(again.body.data.read_at).toBe(firstReadAt);

    const unread = await setRead(owner.key, id, false);
    expect(unread.status, unread.text).toBe(200);
    expect(unread.body.data).toMatchObject({ id, read: false, read_at: null });
    expect((await list(owner.key, '?unread=true')).body.data.map((n: { id: string }) => n.id)).toEqual([id]);

    const audits = await auditOf('update_notification', owner.userId);
    expect(audits.map((row) => [row.resourceId, row.metadata])).toEqual([
      [id, { read: true }],
      [id, { read: true }],
      [id, { read: false }],
    ]);
  });

  it('refuses input that is not a boolean or has unknown fields (422 SERVER_005)', async () => {
    const owner = await freshAccount();
    const [id] = (await seed(owner.userId, 1)) as [string];
    for (const body of [{ read: 'yes' }, { read: 'true' }, {}, { read: true, kind: 'x' }]) {
      const response = await api(server.url, 'PATCH', `/notifications/${id}`, { key: owner.key, body });
      expect(response.status, JSON.stringify(body)).toBe(422);
      expectErrorEnvelope(response, 'SERVER_005');
    }
    expect((await list(owner.key)).body.data[0].read).toBe(false);
  });

  it('is refused to a read-only key (403) and allowed to a write key', async () => {
    const owner = await freshAccount();
    const [id] = (await seed(owner.userId, 1)) as [string];
    const reader = await createKey(server.url, owner.key, ['read']);
    const refused = await setRead(reader.key, id, true);
    expect(refused.status, refused.text).toBe(403);
    expect((await remove(reader.key, id)).status).toBe(403);
    expect((await readAll(reader.key)).status).toBe(403);
    expect((await list(reader.key)).body.data[0]).toMatchObject({ id, read: false });

    const writer = await createKey(server.url, owner.key, ['read', 'write']);
    expect((await setRead(writer.key, id, true)).body.data.read).toBe(true);
  });
});

describe('notifications.delete', () => {
  it('soft-deletes: gone from lists and updates, a second delete is 404, the row stays with deleted_at', async () => {
    const owner = await freshAccount();
    const [keep, drop] = (await seed(owner.userId, 2)) as [string, string];
    const deleted = await remove(owner.key, drop);
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body.data).toMatchObject({ id: drop, kind: 'campaign.completed' });

    expect((await list(owner.key)).body.data.map((n: { id: string }) => n.id)).toEqual([keep]);
    expectNotFound(await setRead(owner.key, drop, true));
    expectNotFound(await remove(owner.key, drop));

    const [row] = await server.services.db.select().from(notifications).where(eq(notifications.id, drop));
    expect(row?.deletedAt).toBeInstanceOf(Date);

    // Marking all read leaves a deleted notification alone.
    expect((await readAll(owner.key)).body.data).toEqual({ updated: 1 });
    const [after] = await server.services.db.select().from(notifications).where(eq(notifications.id, drop));
    expect(after?.readAt).toBeNull();

    const audits = await auditOf('delete_notification', owner.userId);
    expect(audits.map((a) => [a.resourceId, a.metadata])).toEqual([[drop, { kind: 'campaign.completed' }]]);
  });
});

describe('notifications.read_all', () => {
  it('marks every unread notification read and answers how many, then 0', async () => {
    const owner = await freshAccount();
    const ids = await seed(owner.userId, 4);
    const alreadyRead = await setRead(owner.key, ids[0] as string, true);
    const firstReadAt = alreadyRead.body.data.read_at as string;

    server.advance(1_000);
    const response = await readAll(owner.key);
    expect(response.status, response.text).toBe(200);
    expect(response.body.data).toEqual({ updated: 3 });
    const listed = (await list(owner.key)).body.data as { id: string; read: boolean; read_at: string }[];
    expect(listed.every((n) => n.read)).toBe(true);
    expect(listed.find((n) => n.id === ids[0])?.read_at).toBe(firstReadAt);
    expect((await list(owner.key, '?unread=true')).body.data).toEqual([]);

    expect((await readAll(owner.key)).body.data).toEqual({ updated: 0 });
    const audits = await auditOf('read_all_notifications', owner.userId);
    expect(audits.map((a) => [a.resourceId, a.metadata])).toEqual([
      [null, { count: 3 }],
      [null, { count: 0 }],
    ]);
  });

  it('leaves other accounts’ notifications unread', async () => {
    const mine = await freshAccount();
    const theirs = await freshAccount();
    await seed(mine.userId, 2);
    await seed(theirs.userId, 2);
    expect((await readAll(mine.key)).body.data).toEqual({ updated: 2 });
    expect((await list(theirs.key, '?unread=true')).body.data).toHaveLength(2);
  });
});

describe('ids that are not the caller’s', () => {
  it('answers 404 SERVER_003 for another account’s, a missing and a malformed id, and changes nothing', async () => {
    const mine = await freshAccount();
    const theirs = await freshAccount();
    const [foreign] = (await seed(theirs.userId, 1, 'webhook.disabled')) as [string];
    for (const id of [foreign, '00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const updated = await setRead(mine.key, id, true);
      expectNotFound(updated);
      expect(updated.text).not.toContain('webhook.disabled');
      expectNotFound(await remove(mine.key, id));
    }
    const [row] = await server.services.db.select().from(notifications).where(eq(notifications.id, foreign));
    expect(row).toMatchObject({ readAt: null, deletedAt: null });
    expect(await auditOf('update_notification', mine.userId)).toEqual([]);
  });

  it('gives an agent’s key no notifications, not even the system user’s', async () => {
    const db = server.services.db;
    const [systemOwned] = (await seed(server.services.systemUserId, 1)) as [string];
    const { agentKey } = await agentWithKey(
      server,
      '0x00000000000000000000000000000000000b0b01',
      'notifications test',
    );
    const listed = await list(agentKey.key);
    expect([listed.status, listed.body.data]).toEqual([200, []]);
    expectNotFound(await setRead(agentKey.key, systemOwned, true));
    expectNotFound(await remove(agentKey.key, systemOwned));
    expect((await readAll(agentKey.key)).body.data).toEqual({ updated: 0 });
    const [row] = await db.select().from(notifications).where(eq(notifications.id, systemOwned));
    expect(row).toMatchObject({ readAt: null, deletedAt: null });
  });
});

describe('other surfaces', () => {
  it('MCP: notifications_list and notifications_update answer as REST does', async () => {
    const owner = await freshAccount();
    const [id] = (await seed(owner.userId, 1, 'campaign.failed')) as [string];
    const client = await connectMcp(server.url, bearer(owner.key));
    try {
      const listed = await client.callTool({ name: 'notifications_list', arguments: { unread: true } });
      expect(listed.isError).toBeUndefined();
      expect(structured(listed).data).toEqual((await list(owner.key, '?unread=true')).body.data);
      const updated = await client.callTool({ name: 'notifications_update', arguments: { id, read: true } });
      expect(structured(updated).data).toMatchObject({ id, read: true });
      const missing = await client.callTool({ name: 'notifications_delete', arguments: { id: 'nope' } });
      expect(missing.isError).toBe(true);
      expect(structured(missing).code).toBe('SERVER_003');
    } finally {
      await client.close();
    }
  });

  it('CLI: iris notifications read-all (and read_all) and list --unread', async () => {
    const owner = await freshAccount();
    await seed(owner.userId, 2);
    const env = { IRIS_API_URL: server.url, IRIS_API_KEY: owner.key, HOME: emptyHome() };
    const unread = await runCli(['notifications', 'list', '--unread'], env);
    expect(unread.code, unread.stderr).toBe(0);
    expect(json(unread)).toHaveLength(2);
    const marked = await runCli(['notifications', 'read-all'], env);
    expect(marked.code, marked.stderr).toBe(0);
    expect(json(marked)).toEqual({ updated: 2 });
    const alias = await runCli(['notifications', 'read_all'], env);
    expect(json(alias)).toEqual({ updated: 0 });
    const none = await runCli(['notifications', 'list', '--unread'], env);
    expect(json(none)).toEqual([]);
  });

  it('CLI: iris notifications mark-read <id> marks one read', async () => {
    const owner = await freshAccount();
    const [first, second] = await seed(owner.userId, 2);
    const env = { IRIS_API_URL: server.url, IRIS_API_KEY: owner.key, HOME: emptyHome() };
    const marked = await runCli(['notifications', 'mark-read', first as string], env);
    expect(marked.code, marked.stderr).toBe(0);
    expect(json(marked)).toMatchObject({ id: first, read: true });
    const unread = await runCli(['notifications', 'list', '--unread'], env);
    expect(json(unread).map((n: { id: string }) => n.id)).toEqual([second]);
  });
});
