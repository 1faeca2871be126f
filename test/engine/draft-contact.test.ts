/**
 * The drafting step for one contact: one message per reachable channel and step, pending approval in
 * manual campaigns and queued in auto ones, within the message allotment, never twice.
 */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaigns, users } from '../../db/schema.ts';
import { contacts } from '../../db/schema-contacts.ts';
import { notifications } from '../../db/schema-events.ts';
import { aiGenerations, messages } from '../../db/schema-messages.ts';
import { draftForContact, reachableChannels } from '../../src/domain/engine/draft-contact.ts';
import { createOfflineAi } from '../../src/integrations/ai/offline-analyzer.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
let userId = '';
const ai = createOfflineAi();
const now = new Date('2026-12-05T12:00:00.000Z');

beforeAll(async () => {
  database = await createTestDatabase();
  const [user] = await database.db
    .insert(users)
    .values({ email: 'drafts@test.local', kind: 'user' })
    .returning({ id: users.id });
  userId = user?.id as string;
});
afterAll(() => database?.close());

let serial = 0;
async function campaignAndContact(
  campaign: Partial<typeof campaigns.$inferInsert>,
  contact: Partial<typeof contacts.$inferInsert>,
) {
  const [c] = await database.db
    .insert(campaigns)
    .values({
      userId,
      name: 'Spring nights',
      objectiveType: 'venue_dj',
      maxResults: 10,
      outreachChannels: ['email', 'instagram', 'twitter'],
      followupDays: [3, 7],
      status: 'active',
      ...campaign,
    })
    .returning();
  const [p] = await database.db
    .insert(contacts)
    .values({ userId, source: 'api', email: `d${++serial}@example.com`, firstName: 'Nina', ...contact })
    .returning();
  return { campaign: c as typeof campaigns.$inferSelect, contact: p as typeof contacts.$inferSelect };
}

const messagesOf = (campaignId: string) =>
  database.db.select().from(messages).where(eq(messages.campaignId, campaignId));

describe('draftForContact', () => {
  it('drafts a first message and one per follow-up on each reachable channel, once', async () => {
    const { campaign, contact } = await campaignAndContact({}, { instagramHandle: 'nina.dj' });
    expect(reachableChannels(campaign, contact)).toEqual(['email', 'instagram']);
    expect(await draftForContact(database.db, ai, campaign, contact, now)).toEqual({
      drafted: 6,
      skipped: 0,
    });
    expect(await draftForContact(database.db, ai, campaign, contact, now)).toEqual({
      drafted: 0,
      skipped: 0,
    });
    const drafted = await messagesOf(campaign.id);
    expect(drafted.map((m) => `${m.channel}:${m.step}:${m.status}`).sort()).toEqual([
      'email:0:pending_approval',
      'email:1:pending_approval',
      'email:2:pending_approval',
      'instagram:0:pending_approval',
      'instagram:1:pending_approval',
      'instagram:2:pending_approval',
    ]);
    expect(drafted.every((m) => (m.channel === 'email') === (m.subject !== null))).toBe(true);
    const generations = await database.db
      .select()
      .from(aiGenerations)
      .where(eq(aiGenerations.campaignId, campaign.id));
    expect(generations).toHaveLength(6);
  });

  it('queues drafts at once in auto campaigns', async () => {
    const { campaign, contact } = await campaignAndContact({ approvalMode: 'auto', followupDays: [] }, {});
    await draftForContact(database.db, ai, campaign, contact, now);
    const [message] = await messagesOf(campaign.id);
    expect(message).toMatchObject({ status: 'queued', approvedAt: now });
  });

  it('stops at the message allotment and drafts nothing for an opted-out contact', async () => {
    // 1 contact × 1 channel × 2 steps = an allotment of 2 messages.
    const { campaign, contact } = await campaignAndContact(
      { maxResults: 1, outreachChannels: ['email'], followupDays: [3] },
      {},
    );
    const [other] = await database.db
      .insert(contacts)
      .values({ userId, source: 'api', email: `d${++serial}@example.com` })
      .returning();
    expect(await draftForContact(database.db, ai, campaign, contact, now)).toEqual({
      drafted: 2,
      skipped: 0,
    });
    expect(
      await draftForContact(database.db, ai, campaign, other as typeof contacts.$inferSelect, now),
    ).toEqual({
      drafted: 0,
      skipped: 2,
    });
    const optedOut = await campaignAndContact({}, { unsubscribedAt: now });
    expect(await draftForContact(database.db, ai, optedOut.campaign, optedOut.contact, now)).toEqual({
      drafted: 0,
      skipped: 0,
    });
  });

  it('stops at the plan’s messages for the period and tells the account once (MESSAGE_015)', async () => {
    const [user] = await database.db
      .insert(users)
      .values({ email: `limited-${Date.now()}@test.local`, kind: 'user' })
      .returning({ id: users.id });
    const limitedId = user?.id as string;
    const { campaign, contact } = await campaignAndContact(
      { userId: limitedId, maxResults: 500, outreachChannels: ['email'], followupDays: [3, 7] },
      { userId: limitedId },
    );
    // The free plan allows 300 messages a period: 299 are made already.
    await database.db.execute(sql`
      insert into messages (user_id, campaign_id, contact_id, channel, direction, status, body, created_at)
      select ${limitedId}::uuid, ${campaign.id}::uuid, ${contact.id}::uuid, 'email', 'outbound', 'sent', 'x', ${now.toISOString()}::timestamptz
      from generate_series(1, 299)`);
    expect(await draftForContact(database.db, ai, campaign, contact, now)).toEqual({
      drafted: 1,
      skipped: 2,
    });
    const [second] = await database.db
      .insert(contacts)
      .values({ userId: limitedId, source: 'api', email: `d${++serial}@example.com` })
      .returning();
    expect(
      await draftForContact(database.db, ai, campaign, second as typeof contacts.$inferSelect, now),
    ).toEqual({ drafted: 0, skipped: 3 });
    const told = await database.db.select().from(notifications).where(eq(notifications.userId, limitedId));
    expect(told.map((n) => [n.kind, (n.payload as { code: string }).code])).toEqual([
      ['limit.reached', 'MESSAGE_015'],
    ]);
  });
});
