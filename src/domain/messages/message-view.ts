/**
 * A message as the API shows it: a draft, an approved or sent message, or a reply, with a summary of the
 * contact it is for (what a reviewer needs beside the text) and its earlier versions.
 */
import { eq, getTableColumns } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { contacts } from '../../../db/schema-contacts.ts';
import { messages } from '../../../db/schema-messages.ts';
import { CHANNELS } from '../campaigns/channels.ts';
import { Timestamp } from '../timestamps.ts';

export const MESSAGE_STATUSES = [
  'pending_approval',
  'approved',
  'rejected',
  'queued',
  'sent',
  'delivered',
  'failed',
  'bounced',
  'received',
] as const;

const Version = z.object({
  subject: z.string().nullable(),
  body: z.string(),
  feedback: z.string().nullable(),
  replaced_at: Timestamp,
});

export const Message = z.object({
  id: z.uuid(),
  campaign_id: z.uuid().nullable(),
  conversation_id: z.uuid().nullable(),
  contact: z.object({
    id: z.uuid(),
    email: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    company: z.string().nullable(),
  }),
  channel: z.enum(CHANNELS),
  direction: z.enum(['outbound', 'inbound']),
  step: z.number().int().nullable().describe('0: first message; n: the n-th follow-up'),
  status: z.enum(MESSAGE_STATUSES),
  subject: z.string().nullable(),
  body: z.string().describe('may hold {{variables}}, resolved against the contact when sent'),
  scheduled_at: Timestamp.nullable(),
  sent_at: Timestamp.nullable(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  rejection_reason: z.string().nullable(),
  feedback: z.string().nullable(),
  history: z.array(Version).describe('earlier versions, oldest first'),
  approved_at: Timestamp.nullable(),
  rejected_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Message = z.infer<typeof Message>;

/** The columns a view is made from: the message and its contact's summary (a join on contacts). */
export const messageSelection = {
  ...getTableColumns(messages),
  contactEmail: contacts.email,
  contactFirstName: contacts.firstName,
  contactLastName: contacts.lastName,
  contactCompany: contacts.company,
};

export type MessageRow = typeof messages.$inferSelect & {
  contactEmail: string | null;
  contactFirstName: string | null;
  contactLastName: string | null;
  contactCompany: string | null;
};

/** A select of message views; add a where clause. */
export function selectMessages(db: Db) {
  return db.select(messageSelection).from(messages).innerJoin(contacts, eq(contacts.id, messages.contactId));
}

export function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    campaign_id: row.campaignId,
    conversation_id: row.conversationId,
    contact: {
      id: row.contactId,
      email: row.contactEmail,
      first_name: row.contactFirstName,
      last_name: row.contactLastName,
      company: row.contactCompany,
    },
    channel: row.channel as Message['channel'],
    direction: row.direction as Message['direction'],
    step: row.step,
    status: row.status as Message['status'],
    subject: row.subject,
    body: row.body,
    scheduled_at: row.scheduledAt?.toISOString() ?? null,
    sent_at: row.sentAt?.toISOString() ?? null,
    error_code: row.errorCode,
    error_message: row.errorMessage,
    rejection_reason: row.rejectionReason,
    feedback: row.feedback,
    history: row.history,
    approved_at: row.approvedAt?.toISOString() ?? null,
    rejected_at: row.rejectedAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
