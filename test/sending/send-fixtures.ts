/**
 * Fixtures of the sending tests: a manual campaign with one contact and its two drafts (first message,
 * one follow-up after 3 days), approving over REST, and polling until a row reaches a state.
 */
import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { campaigns } from '../../db/schema.ts';
import { contacts } from '../../db/schema-contacts.ts';
import { messages } from '../../db/schema-messages.ts';
import { api } from '../helpers/api.ts';
import type { TestServer } from '../helpers/test-server.ts';

let serial = 0;

/** A manual campaign with one follow-up after 3 days, a contact, and its two drafts. */
export async function thread(
  db: TestServer['services']['db'],
  ownerId: string,
  contact: Partial<typeof contacts.$inferInsert> = {},
  body = 'Hi {{first_name}}, we play at {{company}}.',
) {
  const [campaign] = await db
    .insert(campaigns)
    .values({
      userId: ownerId,
      name: 'Spring nights',
      objectiveType: 'venue_dj',
      maxResults: 10,
      outreachChannels: ['email'],
      followupDays: [3],
      status: 'active',
    })
    .returning();
  const [person] = await db
    .insert(contacts)
    .values({
      userId: ownerId,
      source: 'api',
      email: `p${++serial}@example.com`,
      firstName: 'Nina',
      company: 'Club Nord',
      ...contact,
    })
    .returning();
  if (!campaign || !person) throw new Error('fixture insert failed');
  const draft = (step: number, text: string) => ({
    userId: ownerId,
    campaignId: campaign.id,
    contactId: person.id,
    channel: 'email',
    direction: 'outbound',
    step,
    status: 'pending_approval',
    subject: step === 0 ? 'Hello {{first_name}}' : 'Following up',
    body: text,
  });
  const [first, followUp] = await db
    .insert(messages)
    .values([draft(0, body), draft(1, 'Just checking in, {{first_name}}.')])
    .returning();
  if (!first || !followUp) throw new Error('fixture insert failed');
  return { campaign, contact: person, first, followUp };
}

export async function approve(target: TestServer, ids: string[]) {
  for (const id of ids) {
    const response = await api(target.url, 'POST', `/messages/${id}/approve`, { key: target.adminKey });
    expect(response.status, response.text).toBe(200);
  }
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function messageRow(target: TestServer, id: string) {
  const [row] = await target.services.db.select().from(messages).where(eq(messages.id, id));
  if (!row) throw new Error(`no message ${id}`);
  return row;
}

export const statusIs = (target: TestServer, id: string, statuses: string[]) => async () => {
  const row = await messageRow(target, id);
  return statuses.includes(row.status) ? row : undefined;
};
