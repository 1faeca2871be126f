/**
 * Unsubscribing through a message: every message we send links to `/unsubscribe/<message id>` (and
 * names it in List-Unsubscribe), so the link needs no account and no key — the message id, random and
 * known only to its recipient and its sender, names the contact. Unsubscribing puts the contact on the
 * account's suppression list (suppression.ts) and records contact.updated.
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { contacts } from '../../../db/schema-contacts.ts';
import { messages } from '../../../db/schema-messages.ts';
import { contactEventData, contactSelection, toContact } from '../contacts/contact-view.ts';
import { emit } from '../events/emit.ts';
import { type SuppressionReason, suppressContact } from './suppression.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The contact an outbound message went to, or undefined when the id names no outbound message. */
export async function recipientOf(
  db: Db,
  messageId: string,
): Promise<{ contactId: string; unsubscribed: boolean } | undefined> {
  if (!UUID.test(messageId)) return undefined;
  const [row] = await db
    .select({ contactId: contacts.id, unsubscribedAt: contacts.unsubscribedAt })
    .from(messages)
    .innerJoin(contacts, eq(contacts.id, messages.contactId))
    .where(and(eq(messages.id, messageId), eq(messages.direction, 'outbound')));
  return row ? { contactId: row.contactId, unsubscribed: row.unsubscribedAt !== null } : undefined;
}

/**
 * Suppresses the recipient of `messageId`. Answers false when the id names no outbound message; true
 * otherwise, also when the contact was already unsubscribed (unsubscribing twice is no error).
 */
export async function unsubscribeByMessage(
  db: Db,
  messageId: string,
  reason: Extract<SuppressionReason, 'link' | 'one_click'>,
  now: Date,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const recipient = await recipientOf(tx, messageId);
    if (!recipient) return false;
    if (!(await suppressContact(tx, recipient.contactId, reason, now))) return true;
    const [row] = await tx
      .select(contactSelection)
      .from(contacts)
      .where(eq(contacts.id, recipient.contactId));
    const [owner] = await tx
      .select({ userId: contacts.userId, agentIdentityId: contacts.agentIdentityId })
      .from(contacts)
      .where(eq(contacts.id, recipient.contactId));
    if (row && owner) {
      await emit(tx, owner, 'contact.updated', contactEventData(toContact(row), null), now);
    }
    return true;
  });
}
