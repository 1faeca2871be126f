/**
 * Contacts over the API: create (idempotent on email, merging), get, update, soft delete, list with
 * search and campaign filters, bulk import with per-row results, bulk delete, usage, conversations;
 * the audit rows and events they write; who may see what (another account's contact is 404, an
 * agent's key sees its identity's contacts only).
 */
import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { auditLog } from '../../db/schema.ts';
import { campaignContacts, conversations } from '../../db/schema-contacts.ts';
import { events } from '../../db/schema-events.ts';
import { createAccount } from '../../src/domain/accounts/create-account.ts';
import { EVENT_DATA } from '../../src/domain/events/event-types.ts';
import { agentWithKey } from '../helpers/agent-key.ts';
import { api, createKey } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;
let writer: string;
let reader: string;
let stranger: string;

beforeAll(async () => {
  server = await startTestServer();
  writer = (await createKey(server.url, server.adminKey, ['read', 'write'])).key;
  reader = (await createKey(server.url, server.adminKey, ['read'])).key;
  stranger = (await createAccount(server.services.db, 'contacts-stranger@example.com')).key.key;
});
afterAll(() => server.close());
beforeEach(() => server.advance(61_000));

let serial = 0;
const uniqueEmail = (name = 'person') => `${name}-${++serial}@Example.COM`;

async function create(body: Record<string, unknown>, key = writer) {
  return api(server.url, 'POST', '/contacts', { key, body });
}

async function newContact(body: Record<string, unknown> = {}) {
  const created = await create({ email: uniqueEmail(), first_name: 'Ada', ...body });
  expect(created.status, created.text).toBe(201);
  return created.body.data;
}

async function newCampaign(key = writer) {
  const created = await api(server.url, 'POST', '/campaigns', {
    key,
    body: { name: 'contacts test', objective_type: 'product_promotion', location: 'Austin, TX' },
  });
  expect(created.status, created.text).toBe(201);
  return created.body.data.id as string;
}

async function eventsOf(contactId: string) {
  const rows = await server.services.db.select().from(events);
  return rows.filter((row) => (row.data as { id?: string }).id === contactId).map((row) => row.type);
}

async function auditOf(action: string, resourceId: string) {
  return server.services.db
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.action, action), eq(auditLog.resourceId, resourceId)));
}

async function lastAudit(action: string) {
  const [row] = await server.services.db
    .select()
    .from(auditLog)
    .where(eq(auditLog.action, action))
    .orderBy(desc(auditLog.createdAt))
    .limit(1);
  return row;
}

describe('contacts.create', () => {
  it('stores the email lower-cased and trimmed, answers 201, audits and emits contact.created', async () => {
    const raw = `  ${uniqueEmail('Grace')}  `;
    const created = await create({
      email: raw,
      first_name: 'Grace',
      last_name: 'Hopper',
      company: 'Navy',
      instagram_handle: '@grace.h',
      attributes: { venue_name: 'Blue Room' },
      tags: ['vip', 'vip', 'jazz'],
    });
    expect(created.status, created.text).toBe(201);
    const contact = created.body.data;
    expect(contact).toMatchObject({
      email: raw.trim().toLowerCase(),
      first_name: 'Grace',
      instagram_handle: 'grace.h',
      source: 'api',
      attributes: { venue_name: 'Blue Room' },
      tags: ['vip', 'jazz'],
      campaign_ids: [],
      unsubscribed_at: null,
      deleted_at: null,
    });
    expect(await auditOf('create_contact', contact.id)).toHaveLength(1);
    expect(await eventsOf(contact.id)).toEqual(['contact.created']);
    const [event] = await server.services.db.select().from(events).where(eq(events.type, 'contact.created'));
    expect(EVENT_DATA['contact.created'].safeParse(event?.data).success).toBe(true);
  });

  it('is idempotent on email: the existing contact comes back (201) with the new fields merged in', async () => {
    const email = uniqueEmail('merge');
    const first = await newContact({ email, company: 'Acme', attributes: { a: '1' }, tags: ['one'] });
    const again = await create({
      email: email.toUpperCase(),
      title: 'CTO',
      attributes: { b: '2' },
      tags: ['two'],
    });
    expect(again.status).toBe(201);
    expect(again.body.data).toMatchObject({
      id: first.id,
      first_name: 'Ada',
      company: 'Acme',
      title: 'CTO',
      attributes: { a: '1', b: '2' },
      tags: ['one', 'two'],
    });
    expect(await eventsOf(first.id)).toEqual(['contact.created', 'contact.updated']);
  });

  it('adds the contact to a campaign of the account; another account’s campaign is CAMP_001', async () => {
    const campaignId = await newCampaign();
    const contact = await newContact({ campaign_id: campaignId });
    expect(contact.campaign_ids).toEqual([campaignId]);
    const other = await newCampaign(stranger);
    const refused = await create({ email: uniqueEmail(), campaign_id: other });
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('CAMP_001');
  });

  it('refuses a bad email with CONTACT_003, an unreachable contact and a bad field with SERVER_005', async () => {
    const bad = await create({ email: 'not-an-email', first_name: 'X' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('CONTACT_003');
    const unreachable = await create({ first_name: 'Nobody', company: 'Nowhere' });
    expect(unreachable.status).toBe(422);
    expect(unreachable.body.error.code).toBe('SERVER_005');
    const handle = await create({ x_handle: 'way_too_long_for_an_x_handle' });
    expect(handle.status).toBe(422);
    const attributes = await create({ email: uniqueEmail(), attributes: { 'bad key': 'x' } });
    expect(attributes.status).toBe(422);
  });

  it('needs the write scope', async () => {
    const refused = await create({ email: uniqueEmail() }, reader);
    expect(refused.status).toBe(403);
  });
});

describe('contacts.get, update, delete', () => {
  it('reads a contact; another account’s id, a deleted one or a non-uuid is CONTACT_001', async () => {
    const contact = await newContact();
    const got = await api(server.url, 'GET', `/contacts/${contact.id}`, { key: reader });
    expect(got.body.data).toEqual(contact);
    for (const [id, key] of [
      [contact.id, stranger],
      ['not-a-uuid', writer],
      ['00000000-0000-4000-8000-000000000000', writer],
    ] as const) {
      const missing = await api(server.url, 'GET', `/contacts/${id}`, { key });
      expect(missing.status).toBe(404);
      expect(missing.body.error.code).toBe('CONTACT_001');
      expect(missing.text).not.toContain(contact.email);
    }
  });

  it('updates fields, clears with null, replaces attributes and tags, marks an opt-out', async () => {
    const contact = await newContact({ company: 'Acme', phone: '+1 555 0100', attributes: { a: '1' } });
    const updated = await api(server.url, 'PATCH', `/contacts/${contact.id}`, {
      key: writer,
      body: { company: null, title: 'Owner', attributes: { b: '2' }, tags: ['x'], unsubscribed: true },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.data).toMatchObject({
      company: null,
      title: 'Owner',
      phone: '+1 555 0100',
      attributes: { b: '2' },
      tags: ['x'],
    });
    expect(updated.body.data.unsubscribed_at).not.toBeNull();
    expect((await auditOf('update_contact', contact.id))[0]?.metadata).toMatchObject({
      fields: ['attributes', 'company', 'tags', 'title', 'unsubscribed'],
    });
    expect(await eventsOf(contact.id)).toEqual(['contact.created', 'contact.updated']);
  });

  it('refuses an update that leaves no way to reach the contact, or takes another contact’s email', async () => {
    const a = await newContact();
    const b = await newContact();
    const orphan = await api(server.url, 'PATCH', `/contacts/${a.id}`, {
      key: writer,
      body: { email: null },
    });
    expect(orphan.status).toBe(422);
    expect(orphan.body.error.message).toContain('email, instagram_handle or x_handle');
    const taken = await api(server.url, 'PATCH', `/contacts/${a.id}`, {
      key: writer,
      body: { email: b.email },
    });
    expect(taken.status).toBe(422);
    const bad = await api(server.url, 'PATCH', `/contacts/${a.id}`, { key: writer, body: { email: 'nope' } });
    expect(bad.body.error.code).toBe('CONTACT_003');
    const strangers = await api(server.url, 'PATCH', `/contacts/${a.id}`, {
      key: stranger,
      body: { title: 'x' },
    });
    expect(strangers.status).toBe(404);
    expect((await api(server.url, 'GET', `/contacts/${a.id}`, { key: writer })).body.data.email).toBe(
      a.email,
    );
  });

  it('deletes softly: reads answer 404 after, the row stays, a second delete is 404', async () => {
    const contact = await newContact();
    expect((await api(server.url, 'DELETE', `/contacts/${contact.id}`, { key: stranger })).status).toBe(404);
    const deleted = await api(server.url, 'DELETE', `/contacts/${contact.id}`, { key: writer });
    expect(deleted.status).toBe(200);
    expect(deleted.body.data.deleted_at).not.toBeNull();
    expect((await api(server.url, 'GET', `/contacts/${contact.id}`, { key: writer })).status).toBe(404);
    expect((await api(server.url, 'DELETE', `/contacts/${contact.id}`, { key: writer })).status).toBe(404);
    expect(await auditOf('delete_contact', contact.id)).toHaveLength(1);
    expect(await eventsOf(contact.id)).toEqual(['contact.created', 'contact.deleted']);
  });

  it('creating a deleted contact’s email again brings it back', async () => {
    const contact = await newContact();
    await api(server.url, 'DELETE', `/contacts/${contact.id}`, { key: writer });
    const again = await create({ email: contact.email });
    expect(again.body.data).toMatchObject({ id: contact.id, deleted_at: null });
  });
});

describe('contacts.list', () => {
  it('searches names, email, company and handles, case-insensitively, wildcards taken literally', async () => {
    const tag = `zq${Date.now().toString(36)}`;
    const a = await newContact({ first_name: `Mar${tag}ia`, company: 'Kiln' });
    const b = await newContact({ company: `The ${tag.toUpperCase()} Bar` });
    const c = await newContact({ email: undefined, x_handle: `${tag}_dj` });
    await newContact({ first_name: 'Unrelated' });
    const search = async (term: string, key = reader) => {
      const listed = await api(server.url, 'GET', `/contacts?search=${encodeURIComponent(term)}`, { key });
      expect(listed.status, listed.text).toBe(200);
      return listed.body.data.map((row: { id: string }) => row.id);
    };
    expect(await search(tag)).toEqual([c.id, b.id, a.id]);
    expect(await search(tag.toUpperCase())).toEqual([c.id, b.id, a.id]);
    expect(await search(`${tag}_dj`)).toEqual([c.id]);
    expect(await search('%')).toEqual([]);
    expect(await search(tag, stranger)).toEqual([]);
  });

  it('pages newest first and filters by campaign', async () => {
    const campaignId = await newCampaign();
    const inCampaign = [
      await newContact({ campaign_id: campaignId }),
      await newContact({ campaign_id: campaignId }),
    ];
    await newContact();
    const page1 = await api(server.url, 'GET', `/contacts?campaign_id=${campaignId}&limit=1`, {
      key: reader,
    });
    expect(page1.body.data.map((c: { id: string }) => c.id)).toEqual([inCampaign[1]?.id]);
    expect(page1.body.meta.pagination.has_more).toBe(true);
    const page2 = await api(
      server.url,
      'GET',
      `/contacts?campaign_id=${campaignId}&limit=1&cursor=${page1.body.meta.pagination.next_cursor}`,
      { key: reader },
    );
    expect(page2.body.data.map((c: { id: string }) => c.id)).toEqual([inCampaign[0]?.id]);
    expect(page2.body.meta.pagination.has_more).toBe(false);
    const viaCampaign = await api(server.url, 'GET', `/campaigns/${campaignId}/contacts`, { key: reader });
    expect(viaCampaign.body.data.map((c: { id: string }) => c.id)).toEqual(
      [...inCampaign].reverse().map((c) => c.id),
    );
    for (const path of [`/contacts?campaign_id=${campaignId}`, `/campaigns/${campaignId}/contacts`]) {
      const strangers = await api(server.url, 'GET', path, { key: stranger });
      expect(strangers.status).toBe(404);
      expect(strangers.body.error.code).toBe('CAMP_001');
    }
    const badLimit = await api(server.url, 'GET', '/contacts?limit=0', { key: reader });
    expect(badLimit.status).toBe(422);
  });
});

describe('contacts.bulk_import', () => {
  it('answers created | merged | invalid per row, merges duplicates inside the batch, links a campaign', async () => {
    const existing = await newContact({ company: 'Old Co' });
    const campaignId = await newCampaign();
    const fresh = uniqueEmail('fresh');
    const imported = await api(server.url, 'POST', '/contacts/bulk', {
      key: writer,
      body: {
        campaign_id: campaignId,
        contacts: [
          { email: fresh, first_name: 'New' },
          { email: existing.email, title: 'Boss' },
          { email: 'broken', first_name: 'Bad' },
          { email: fresh.toUpperCase(), last_name: 'Person', tags: ['dup'] },
          { first_name: 'No way to reach' },
          { x_handle: 'fresh_handle' },
          { email: uniqueEmail(), unknown_field: 1 },
        ],
      },
    });
    expect(imported.status, imported.text).toBe(200);
    const data = imported.body.data;
    expect(data.results.map((r: { result: string }) => r.result)).toEqual([
      'created',
      'merged',
      'invalid',
      'merged',
      'invalid',
      'created',
      'invalid',
    ]);
    expect({ created: data.created, merged: data.merged, invalid: data.invalid }).toEqual({
      created: 2,
      merged: 2,
      invalid: 3,
    });
    expect(data.results[1].id).toBe(existing.id);
    expect(data.results[3].id).toBe(data.results[0].id);
    expect(data.results[2].reason).toBe('invalid email address');
    expect(data.results[4].reason).toContain('email, instagram_handle or x_handle');
    expect(data.results[6].reason).toContain('unknown_field');
    const merged = await api(server.url, 'GET', `/contacts/${data.results[0].id}`, { key: reader });
    expect(merged.body.data).toMatchObject({
      first_name: 'New',
      last_name: 'Person',
      tags: ['dup'],
      source: 'import',
      campaign_ids: [campaignId],
    });
    const old = await api(server.url, 'GET', `/contacts/${existing.id}`, { key: reader });
    expect(old.body.data).toMatchObject({ company: 'Old Co', title: 'Boss', campaign_ids: [campaignId] });
    const links = await server.services.db
      .select()
      .from(campaignContacts)
      .where(eq(campaignContacts.campaignId, campaignId));
    expect(links).toHaveLength(3);
    expect((await lastAudit('bulk_create_contacts'))?.metadata).toEqual({
      created: 2,
      merged: 2,
      invalid: 3,
      campaign_id: campaignId,
    });
  });

  it('refuses 501 rows with 400 and imports nothing', async () => {
    const email = uniqueEmail('too-many');
    const rows = Array.from({ length: 501 }, (_, i) => ({ email: i === 0 ? email : `row-${i}-${email}` }));
    const refused = await api(server.url, 'POST', '/contacts/bulk', {
      key: writer,
      body: { contacts: rows },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('SERVER_002');
    const listed = await api(server.url, 'GET', `/contacts?search=${encodeURIComponent(email)}`, {
      key: reader,
    });
    expect(listed.body.data).toEqual([]);
  });

  it('imports nothing and emits nothing when the transaction fails (another account’s campaign)', async () => {
    const email = uniqueEmail('rolled-back');
    const other = await newCampaign(stranger);
    const refused = await api(server.url, 'POST', '/contacts/bulk', {
      key: writer,
      body: { campaign_id: other, contacts: [{ email }] },
    });
    expect(refused.status).toBe(404);
    const all = await server.services.db.select().from(events);
    expect(all.some((row) => (row.data as { email?: string }).email === email.toLowerCase())).toBe(false);
  });
});

describe('contacts.bulk_delete', () => {
  it('deletes the account’s contacts, lists the rest as not found', async () => {
    const a = await newContact();
    const b = await newContact();
    const theirs = (await create({ email: uniqueEmail() }, stranger)).body.data;
    const deleted = await api(server.url, 'POST', '/contacts/bulk-delete', {
      key: writer,
      body: { ids: [a.id, b.id, theirs.id, 'nope', a.id] },
    });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body.data).toEqual({ deleted: [a.id, b.id], not_found: [theirs.id, 'nope'] });
    expect((await api(server.url, 'GET', `/contacts/${theirs.id}`, { key: stranger })).status).toBe(200);
    expect(await eventsOf(b.id)).toEqual(['contact.created', 'contact.deleted']);
    expect((await lastAudit('bulk_delete_contacts'))?.metadata).toEqual({
      deleted: [a.id, b.id],
      not_found: 2,
    });
    const empty = await api(server.url, 'POST', '/contacts/bulk-delete', { key: writer, body: { ids: [] } });
    expect(empty.status).toBe(422);
  });
});

describe('contacts.usage and contacts.conversations', () => {
  it('counts the period’s contacts against the plan', async () => {
    const before = (await api(server.url, 'GET', '/contacts/usage', { key: reader })).body.data;
    await newContact();
    const after = await api(server.url, 'GET', '/contacts/usage', { key: reader });
    expect(after.status).toBe(200);
    expect(after.body.data).toMatchObject({ plan: 'pro', used: before.used + 1, limit: 5000 });
    expect(after.body.data.remaining).toBe(5000 - before.used - 1);
    expect(new Date(after.body.data.period_start).getUTCDate()).toBe(1);
  });

  it('lists a contact’s conversations, newest first; another account’s contact is 404', async () => {
    const contact = await newContact();
    const empty = await api(server.url, 'GET', `/contacts/${contact.id}/conversations`, { key: reader });
    expect(empty.body.data).toEqual([]);
    const [held] = await server.services.db
      .insert(conversations)
      .values({ userId: server.ownerId, contactId: contact.id, channel: 'email' })
      .returning();
    const listed = await api(server.url, 'GET', `/contacts/${contact.id}/conversations`, { key: reader });
    expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([held?.id]);
    const strangers = await api(server.url, 'GET', `/contacts/${contact.id}/conversations`, {
      key: stranger,
    });
    expect(strangers.status).toBe(404);
  });
});

describe("an agent's contacts", () => {
  it('are its identity’s only, both ways', async () => {
    const { agentKey } = await agentWithKey(
      server,
      '0x00000000000000000000000000000000000c0417',
      'contacts agent',
    );
    const email = uniqueEmail('shared');
    const mine = (await create({ email })).body.data;
    const theirs = await create({ email }, agentKey.key);
    expect(theirs.status, theirs.text).toBe(201);
    expect(theirs.body.data.id).not.toBe(mine.id);
    expect((await api(server.url, 'GET', `/contacts/${mine.id}`, { key: agentKey.key })).status).toBe(404);
    expect((await api(server.url, 'GET', `/contacts/${theirs.body.data.id}`, { key: writer })).status).toBe(
      404,
    );
    const listed = await api(server.url, 'GET', '/contacts', { key: agentKey.key });
    expect(listed.body.data.map((c: { id: string }) => c.id)).toEqual([theirs.body.data.id]);
    const usage = await api(server.url, 'GET', '/contacts/usage', { key: agentKey.key });
    expect(usage.body.data).toMatchObject({ plan: null, used: 1, limit: null, remaining: null });
  });
});
