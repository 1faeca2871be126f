/**
 * The minimal campaign operations: create with defaults and validation, owner-scoped reads, cursor
 * pagination, and the create_campaign audit row written with the change.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
let writer: string;
let reader: string;

const reference = {
  name: 'April DJ outreach - Brooklyn',
  objective_type: 'venue_dj',
  location: 'Brooklyn, NY',
  radius_miles: 10,
  venue_types: ['bar', 'club', 'lounge'],
  keywords: ['live music', 'dj nights'],
  max_results: 50,
  outreach_channels: ['email', 'instagram', 'twitter'],
  followup_days: [3, 7, 14],
  status: 'draft',
};

beforeAll(async () => {
  server = await startTestServer();
  writer = (await createKey(server.url, server.adminKey, ['read', 'write'])).key;
  reader = (await createKey(server.url, server.adminKey, ['read'])).key;
});
afterAll(() => server.close());
beforeEach(() => server.advance(61_000));

describe('campaigns', () => {
  it('creates the reference example as given', async () => {
    const response = await api(server.url, 'POST', '/campaigns', { key: writer, body: reference });
    expect(response.status).toBe(201);
    const { id, created_at, updated_at, ...fields } = response.body.data;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(fields).toEqual({
      ...reference,
      approval_mode: 'manual',
      send_window: null,
      daily_send_cap: null,
      completed_at: null,
      deleted_at: null,
      analysis: null,
      analyzed_at: null,
    });
    expect(created_at).toBe(updated_at);

    const got = await api(server.url, 'GET', `/campaigns/${id}`, { key: reader });
    expect(got.status).toBe(200);
    expect(got.body.data).toEqual(response.body.data);

    const audit = await api(server.url, 'GET', `/audit-log?action=create_campaign&resource_id=${id}`, {
      key: server.adminKey,
    });
    expect(audit.body.data).toHaveLength(1);
    expect(audit.body.data[0]).toMatchObject({ action: 'create_campaign', operation: 'campaigns.create' });
  });

  it('fills defaults for the short agent form', async () => {
    const response = await api(server.url, 'POST', '/campaigns', {
      key: writer,
      body: { name: 'Q2 outreach', objective_type: 'product_promotion' },
    });
    expect(response.status).toBe(201);
    expect(response.body.data).toMatchObject({
      status: 'draft',
      outreach_channels: ['email'],
      max_results: 50,
      followup_days: [],
      location: null,
    });
  });

  it('rejects invalid fields with 422 naming them, and creates nothing', async () => {
    const before = await api(server.url, 'GET', '/campaigns?limit=100', { key: reader });
    for (const [patch, field] of [
      [{ outreach_channels: ['fax'] }, 'outreach_channels'],
      [{ outreach_channels: ['email', 'email'] }, 'outreach_channels'],
      [{ followup_days: [7, 3] }, 'followup_days'],
      [{ max_results: 501 }, 'max_results'],
      [{ radius_miles: -1 }, 'radius_miles'],
      [{ status: 'active' }, 'status'],
      [{ name: '' }, 'name'],
    ] as const) {
      const response = await api(server.url, 'POST', '/campaigns', {
        key: writer,
        body: { ...reference, ...patch },
      });
      expect(response.status, JSON.stringify(patch)).toBe(422);
      expect(response.body.error.message).toContain(field);
    }
    const after = await api(server.url, 'GET', '/campaigns?limit=100', { key: reader });
    expect(after.body.data).toHaveLength(before.body.data.length);
  });

  it('needs write to create and read to list', async () => {
    expect((await api(server.url, 'POST', '/campaigns', { key: reader, body: reference })).status).toBe(403);
    expect((await api(server.url, 'GET', '/campaigns', { key: writer })).status).toBe(200);
  });

  it('never shows another account’s campaigns: lists exclude them, gets answer 404 CAMP_001', async () => {
    const mine = await api(server.url, 'POST', '/campaigns', { key: writer, body: reference });
    const other = await createAccount(server.database.db, 'other@example.com', server.services.clock());
    const theirs = await api(server.url, 'POST', '/campaigns', { key: other.key.key, body: reference });
    expect(theirs.status).toBe(201);

    const cross = await api(server.url, 'GET', `/campaigns/${mine.body.data.id}`, { key: other.key.key });
    expect(cross.status).toBe(404);
    expect(cross.body.error.code).toBe('CAMP_001');
    const list = await api(server.url, 'GET', '/campaigns?limit=100', { key: other.key.key });
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual([theirs.body.data.id]);
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope']) {
      const missing = await api(server.url, 'GET', `/campaigns/${id}`, { key: reader });
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('CAMP_001');
    }
  });

  it('pages newest first with a cursor and filters by status', async () => {
    for (let i = 0; i < 5; i++) {
      await api(server.url, 'POST', '/campaigns', { key: writer, body: { ...reference, name: `page ${i}` } });
    }
    const all = await api(server.url, 'GET', '/campaigns?limit=100', { key: reader });
    const ids: string[] = all.body.data.map((c: { id: string }) => c.id);
    const times: string[] = all.body.data.map((c: { created_at: string }) => c.created_at);
    expect([...times].sort().reverse()).toEqual(times);

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page = await api(server.url, 'GET', `/campaigns${query}`, { key: reader });
      expect(page.body.data.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.data.map((c: { id: string }) => c.id));
      cursor = page.body.meta.pagination.next_cursor;
    } while (cursor);
    expect(paged).toEqual(ids);

    const drafts = await api(server.url, 'GET', '/campaigns?status=draft&limit=100', { key: reader });
    expect(drafts.body.data).toHaveLength(ids.length);
    const paused = await api(server.url, 'GET', '/campaigns?status=paused', { key: reader });
    expect(paused.body.data).toEqual([]);
    const badLimit = await api(server.url, 'GET', '/campaigns?limit=1000', { key: reader });
    expect(badLimit.status).toBe(422);
    expect(badLimit.body.error.message).toContain('limit');
  });
});
