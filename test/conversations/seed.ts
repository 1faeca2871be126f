/**
 * Fixture rows written straight into the tables (as the sending and inbound work would leave them),
 * for the conversations and analytics tests.
 */
import type { Db } from '../../db/client.ts';
import { campaigns } from '../../db/schema.ts';
import { campaignContacts, contacts, conversations } from '../../db/schema-contacts.ts';
import { messages } from '../../db/schema-messages.ts';

/** Who owns a row: an account, or an agent identity under the system user. */
export interface Owner {
  userId: string;
  agentIdentityId: string | null;
}

type CampaignValues = Partial<typeof campaigns.$inferInsert>;
type ContactValues = Partial<typeof contacts.$inferInsert>;
type ConversationValues = Partial<typeof conversations.$inferInsert>;
type MessageValues = Partial<typeof messages.$inferInsert>;

export function seeder(db: Db) {
  let contactsMade = 0;
  return {
    async campaign(owner: Owner, values: CampaignValues = {}) {
      const [row] = await db
        .insert(campaigns)
        .values({
          userId: owner.userId,
          agentIdentityId: owner.agentIdentityId,
          name: 'fixture campaign',
          objectiveType: 'product_promotion',
          maxResults: 50,
          outreachChannels: ['email'],
          status: 'active',
          ...values,
        })
        .returning();
      if (!row) throw new Error('no campaign');
      return row;
    },

    async contact(owner: Owner, values: ContactValues = {}, campaignIds: string[] = []) {
      contactsMade += 1;
      const [row] = await db
        .insert(contacts)
        .values({
          userId: owner.userId,
          agentIdentityId: owner.agentIdentityId,
          email: `fixture-${contactsMade}-${Math.random().toString(36).slice(2)}@example.com`,
          firstName: `Person ${contactsMade}`,
          source: 'api',
          ...values,
        })
        .returning();
      if (!row) throw new Error('no contact');
      for (const campaignId of campaignIds) {
        await db.insert(campaignContacts).values({ campaignId, contactId: row.id });
      }
      return row;
    },

    async conversation(owner: Owner, contactId: string, values: ConversationValues = {}) {
      const [row] = await db
        .insert(conversations)
        .values({
          userId: owner.userId,
          agentIdentityId: owner.agentIdentityId,
          contactId,
          channel: 'email',
          ...values,
        })
        .returning();
      if (!row) throw new Error('no conversation');
      return row;
    },

    /** One of our messages in a conversation, sent at `sentAt` (created an hour earlier). */
    async outbound(
      owner: Owner,
      conversation: typeof conversations.$inferSelect,
      sentAt: Date | null,
      values: MessageValues = {},
    ) {
      const createdAt = new Date((sentAt ?? new Date()).getTime() - 3_600_000);
      const [row] = await db
        .insert(messages)
        .values({
          userId: owner.userId,
          agentIdentityId: owner.agentIdentityId,
          campaignId: conversation.campaignId,
          contactId: conversation.contactId,
          conversationId: conversation.id,
          channel: conversation.channel,
          direction: 'outbound',
          status: sentAt ? 'sent' : 'queued',
          subject: 'hello',
          body: 'outbound body',
          sentAt,
          createdAt,
          updatedAt: sentAt ?? createdAt,
          ...values,
        })
        .returning();
      if (!row) throw new Error('no message');
      return row;
    },

    /** A reply in a conversation, received at `at` (no campaign on the row: it comes through the conversation). */
    async inbound(
      owner: Owner,
      conversation: typeof conversations.$inferSelect,
      at: Date,
      values: MessageValues = {},
    ) {
      const [row] = await db
        .insert(messages)
        .values({
          userId: owner.userId,
          agentIdentityId: owner.agentIdentityId,
          contactId: conversation.contactId,
          conversationId: conversation.id,
          channel: conversation.channel,
          direction: 'inbound',
          status: 'received',
          body: 'a reply',
          createdAt: at,
          updatedAt: at,
          ...values,
        })
        .returning();
      if (!row) throw new Error('no message');
      return row;
    },
  };
}
