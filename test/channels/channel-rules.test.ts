/**
 * The platform rules on a real database, at their edges: Instagram's window is open for 24 hours after
 * the person's last Instagram message and not a millisecond more; the X cap counts one account's sends
 * of the current UTC day only. And the choice of the sending account: a conversation stays with the
 * account that last sent in it; a disconnected account sends nothing (the DM goes to the outbox).
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../db/client.ts';
import { channelAccounts } from '../../db/schema-channels.ts';
import { contacts, conversations } from '../../db/schema-contacts.ts';
import { messages } from '../../db/schema-messages.ts';
import { bootstrap } from '../../src/bootstrap.ts';
import { createSealer } from '../../src/crypto/sealer.ts';
import {
  channelRuleBlock,
  INSTAGRAM_WINDOW_MS,
  prepareChannelSend,
  recordChannelSend,
} from '../../src/domain/sending/channel-rules.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.ts';

let database: TestDatabase;
let db: Db;
let ownerId: string;
const sealer = createSealer(randomBytes(32));
const services = { sealer, env: { X_DAILY_DM_CAP: 2 } };
const NOW = new Date('2026-05-14T10:00:00.000Z');

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  const boot = await bootstrap(db, { ownerEmail: 'owner@iris.test' });
  if (!boot.firstKey) throw new Error('no owner');
  ownerId = boot.firstKey.userId;
});
afterAll(async () => {
  await database?.close();
});

let serial = 0;

async function contact() {
  const [row] = await db
    .insert(contacts)
    .values({ userId: ownerId, source: 'api', instagramHandle: `p${++serial}`, xHandle: `p${serial}` })
    .returning();
  if (!row) throw new Error('insert failed');
  return row;
}

async function conversation(contactId: string, channel: string) {
  const [row] = await db.insert(conversations).values({ userId: ownerId, contactId, channel }).returning();
  if (!row) throw new Error('insert failed');
  return row;
}

async function account(channel: string, token: string, connectedAt: Date) {
  const [row] = await db
    .insert(channelAccounts)
    .values({
      userId: ownerId,
      channel,
      externalAccountId: `ext-${++serial}`,
      handle: `acct${serial}`,
      tokenSealed: sealer.seal(token),
      createdAt: connectedAt,
      updatedAt: connectedAt,
    })
    .returning();
  if (!row) throw new Error('insert failed');
  return row;
}

async function message(
  contactId: string,
  channel: string,
  direction: string,
  fields: Partial<typeof messages.$inferInsert> = {},
) {
  const [row] = await db
    .insert(messages)
    .values({
      userId: ownerId,
      contactId,
      channel,
      direction,
      status: direction === 'inbound' ? 'received' : 'sent',
      body: 'text',
      ...fields,
    })
    .returning();
  if (!row) throw new Error('insert failed');
  return row;
}

describe('instagram 24-hour window', () => {
  const rule = (contactId: string, now = NOW) =>
    channelRuleBlock(db, { channel: 'instagram', contactId, accountId: 'unused', now, dailyCap: 2 });

  it('is closed for a person who never wrote, open 24 h after they did, closed at 24 h', async () => {
    const person = await contact();
    expect(await rule(person.id)).toMatchObject({ rule: 'instagram_24h_window' });
    const wrote = new Date(NOW.getTime() - INSTAGRAM_WINDOW_MS + 1);
    await message(person.id, 'instagram', 'inbound', { createdAt: wrote });
    expect(await rule(person.id)).toBeUndefined();
    expect(await rule(person.id, new Date(wrote.getTime() + INSTAGRAM_WINDOW_MS))).toMatchObject({
      rule: 'instagram_24h_window',
    });
    expect(await rule(person.id, new Date(wrote.getTime() + INSTAGRAM_WINDOW_MS - 1))).toBeUndefined();
  });

  it('counts only the contact’s inbound Instagram messages, by when they were sent', async () => {
    const person = await contact();
    await message(person.id, 'twitter', 'inbound', { createdAt: NOW });
    await message(person.id, 'instagram', 'outbound', { createdAt: NOW });
    await message((await contact()).id, 'instagram', 'inbound', { createdAt: NOW });
    expect(await rule(person.id)).toMatchObject({ rule: 'instagram_24h_window' });
    // Received now, but sent by the person 30 hours ago: the window is measured from the sending.
    await message(person.id, 'instagram', 'inbound', {
      createdAt: NOW,
      sentAt: new Date(NOW.getTime() - 30 * 3_600_000),
    });
    expect(await rule(person.id)).toMatchObject({ rule: 'instagram_24h_window' });
  });
});

describe('x daily cap', () => {
  it('counts one account’s sends of the current UTC day and says when sending resumes', async () => {
    const person = await contact();
    const mine = await account('twitter', 't1', NOW);
    const other = await account('twitter', 't2', NOW);
    const rule = (accountId: string) =>
      channelRuleBlock(db, { channel: 'twitter', contactId: person.id, accountId, now: NOW, dailyCap: 2 });
    const sentBy = async (accountId: string, at: Date) => {
      const row = await message(person.id, 'twitter', 'outbound');
      await recordChannelSend(db, { messageId: row.id, accountId, sentAt: at });
    };
    await sentBy(mine.id, new Date('2026-05-13T23:59:59.999Z'));
    await sentBy(other.id, new Date('2026-05-14T01:00:00.000Z'));
    await sentBy(mine.id, new Date('2026-05-14T00:00:00.000Z'));
    expect(await rule(mine.id)).toBeUndefined();
    await sentBy(mine.id, new Date('2026-05-14T09:00:00.000Z'));
    expect(await rule(mine.id)).toEqual({
      rule: 'x_daily_cap',
      reason:
        'x daily DM cap reached: this account sent 2 of 2 DMs today (UTC); sending resumes at 2026-05-15T00:00:00.000Z',
      retryAt: new Date('2026-05-15T00:00:00.000Z'),
    });
    expect(await rule(other.id)).toBeUndefined();
  });
});

describe('the sending account', () => {
  it('email needs none; a DM with no connected account goes without a sender (the outbox)', async () => {
    const person = await contact();
    const subject = { userId: ownerId, agentIdentityId: null, contactId: person.id, conversationId: null };
    expect(await prepareChannelSend(db, services, { ...subject, channel: 'email' }, NOW)).toEqual({
      ok: true,
    });
    expect(await prepareChannelSend(db, services, { ...subject, channel: 'instagram' }, NOW)).toEqual({
      ok: true,
    });
  });

  it('a conversation stays with the account that last sent in it; a new one takes the newest account', async () => {
    // Other tests of this file connected twitter accounts too: these two are the newest by far.
    const older = await account('twitter', 'older-token', new Date('2027-01-01T00:00:00.000Z'));
    const newer = await account('twitter', 'newer-token', new Date('2027-01-02T00:00:00.000Z'));
    const person = await contact();
    const thread = await conversation(person.id, 'twitter');
    const earlier = await message(person.id, 'twitter', 'outbound', { conversationId: thread.id });
    await recordChannelSend(db, { messageId: earlier.id, accountId: older.id, sentAt: NOW });
    const subject = { userId: ownerId, agentIdentityId: null, channel: 'twitter', contactId: person.id };
    const inThread = await prepareChannelSend(db, services, { ...subject, conversationId: thread.id }, NOW);
    expect(inThread).toEqual({
      ok: true,
      sender: { accountId: older.id, externalAccountId: older.externalAccountId, accessToken: 'older-token' },
    });
    const fresh = await prepareChannelSend(db, services, { ...subject, conversationId: null }, NOW);
    expect(fresh).toMatchObject({ ok: true, sender: { accountId: newer.id, accessToken: 'newer-token' } });

    await db.update(channelAccounts).set({ disconnectedAt: NOW }).where(eq(channelAccounts.id, older.id));
    const moved = await prepareChannelSend(db, services, { ...subject, conversationId: thread.id }, NOW);
    expect(moved).toMatchObject({ ok: true, sender: { accountId: newer.id } });
  });

  it('a blocked DM answers the rule and its reason, and no token', async () => {
    const person = await contact();
    await account('instagram', 'ig-token', NOW);
    const prepared = await prepareChannelSend(
      db,
      services,
      {
        userId: ownerId,
        agentIdentityId: null,
        channel: 'instagram',
        contactId: person.id,
        conversationId: null,
      },
      NOW,
    );
    expect(prepared).toMatchObject({ ok: false, rule: 'instagram_24h_window' });
    expect(JSON.stringify(prepared)).not.toContain('ig-token');
  });
});
