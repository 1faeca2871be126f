/**
 * Campaign changes write their events in the same transaction: created, updated (fields and status)
 * and deleted, each with the data schema exported for webhooks; a change refused writes none.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '../../db/schema-events.ts';
import { EVENT_DATA } from '../../src/domain/events/event-types.ts';
import { api } from '../helpers/api.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

async function eventsOf(id: string) {
  const rows = await server.services.db.select().from(events).orderBy(events.createdAt);
  return rows.filter((row) => (row.data as { id?: string }).id === id);
}

describe('campaign events', () => {
  it('are written for create, update, status moves and delete, and only for changes that happen', async () => {
    const key = server.adminKey;
    const created = await api(server.url, 'POST', '/campaigns', {
      key,
      body: { name: 'evented', objective_type: 'product_promotion', location: 'Oslo' },
    });
    const id = created.body.data.id as string;
    server.advance(1_000);
    await api(server.url, 'PATCH', `/campaigns/${id}`, { key, body: { name: 'renamed' } });
    server.advance(1_000);
    const refused = await api(server.url, 'POST', `/campaigns/${id}/status`, {
      key,
      body: { status: 'paused' },
    });
    expect(refused.body.error.code).toBe('CAMP_008');
    await api(server.url, 'POST', `/campaigns/${id}/status`, { key, body: { status: 'active' } });
    server.advance(1_000);
    await api(server.url, 'DELETE', `/campaigns/${id}`, { key });
    const written = await eventsOf(id);
    expect(written.map((e) => [e.type, (e.data as { status: string }).status])).toEqual([
      ['campaign.created', 'draft'],
      ['campaign.updated', 'draft'],
      ['campaign.updated', 'active'],
      ['campaign.deleted', 'deleted'],
    ]);
    expect(written[1]?.data).toMatchObject({ name: 'renamed', objective_type: 'product_promotion' });
    for (const event of written) {
      expect(EVENT_DATA[event.type as 'campaign.created'].safeParse(event.data).success).toBe(true);
      expect(event.userId).toBe(server.ownerId);
    }
    const [row] = await server.services.db
      .select()
      .from(events)
      .where(eq(events.id, written[0]?.id as string));
    expect(row?.occurredAt.toISOString()).toBe(created.body.data.created_at);
  });
});
