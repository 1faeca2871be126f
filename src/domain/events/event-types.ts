/**
 * The domain events of the reference (what webhooks can subscribe to), and the shape of the `data` each
 * one carries. Only events that something emits have a schema; the rest arrive with the work that
 * causes them (engine, sending, discovery).
 */
import { z } from 'zod';
import { CAMPAIGN_STATUSES } from '../campaigns/campaign-view.ts';

export const EVENT_TYPES = [
  'campaign.created',
  'campaign.updated',
  'campaign.deleted',
  'contact.created',
  'contact.updated',
  'contact.deleted',
  'conversation.created',
  'conversation.reply_received',
  'message.sent',
  'message.delivered',
  'message.opened',
  'message.bounced',
  'message.approved',
  'message.rejected',
  'discovery.completed',
  'discovery.failed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const CampaignEventData = z.object({
  id: z.uuid(),
  name: z.string(),
  status: z.enum(CAMPAIGN_STATUSES),
  objective_type: z.string(),
});

const ContactEventData = z.object({
  id: z.uuid(),
  email: z.string().nullable(),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
  company: z.string().nullable(),
  source: z.string(),
  /** The campaign the contact was added to by this change, if any. */
  campaign_id: z.uuid().nullable(),
});

const MessageDecisionData = z.object({
  id: z.uuid(),
  campaign_id: z.uuid().nullable(),
  contact_id: z.uuid(),
  channel: z.string(),
  step: z.number().int().nullable(),
  status: z.string(),
  /** Why it was rejected (message.rejected), when a reason was given. */
  reason: z.string().nullable(),
});

/** A discovery search that found its results (discovery.search, search_campaign, a campaign's job). */
const DiscoveryCompletedData = z.object({
  /** The discovery job's id (discovery.get_job). */
  id: z.uuid(),
  campaign_id: z.uuid().nullable(),
  sources: z.array(z.string()),
  result_count: z.number().int(),
  /** Contacts created or merged into the campaign by the search (0 without a campaign). */
  contacts_added: z.number().int(),
});

/** A discovery search whose sources failed; its job is kept with the error. */
const DiscoveryFailedData = z.object({
  id: z.uuid(),
  campaign_id: z.uuid().nullable(),
  sources: z.array(z.string()),
  error_code: z.string(),
  error_message: z.string(),
});

const MessageSentData = z.object({
  id: z.uuid(),
  campaign_id: z.uuid().nullable(),
  contact_id: z.uuid(),
  conversation_id: z.uuid(),
  channel: z.string(),
  step: z.number().int().nullable(),
  /** The channel's id for it (the email Message-ID); `outbox:…` when recorded to the local outbox. */
  external_id: z.string(),
  /** False when it went to the local outbox, not to a real channel. */
  delivered: z.boolean(),
});

/** A message the channel put in the person's inbox (a DM the platform accepted). */
const MessageDeliveredData = z.object({
  id: z.uuid(),
  campaign_id: z.uuid().nullable(),
  contact_id: z.uuid(),
  conversation_id: z.uuid(),
  channel: z.string(),
  step: z.number().int().nullable(),
  external_id: z.string(),
});

/** The first time an email's tracking image loaded (EMAIL_TRACK_OPENS). */
const MessageOpenedData = z.object({
  id: z.uuid(),
  campaign_id: z.uuid().nullable(),
  contact_id: z.uuid(),
  channel: z.string(),
  step: z.number().int().nullable(),
});

const MessageBouncedData = z.object({
  id: z.uuid(),
  campaign_id: z.uuid().nullable(),
  contact_id: z.uuid(),
  channel: z.string(),
  step: z.number().int().nullable(),
  /** What the receiving server answered. */
  error: z.string(),
});

/** A conversation opened: the first message sent to a contact on a channel, or their first DM. */
const ConversationCreatedData = z.object({
  id: z.uuid(),
  contact_id: z.uuid(),
  campaign_id: z.uuid().nullable(),
  channel: z.string(),
});

/** A reply arrived in a conversation (email or DM). */
const ReplyReceivedData = z.object({
  /** The conversation's id. */
  id: z.uuid(),
  /** The stored inbound message (conversations.messages lists it). */
  message_id: z.uuid(),
  contact_id: z.uuid(),
  campaign_id: z.uuid().nullable(),
  channel: z.string(),
  subject: z.string().nullable(),
  /** An automatic answer (out of office): stored, but the sequence's follow-ups go on. */
  auto_reply: z.boolean(),
});

/** The `data` of each emitted event, exported for OpenAPI and llms.txt. */
export const EVENT_DATA = {
  'campaign.created': CampaignEventData,
  'campaign.updated': CampaignEventData,
  'campaign.deleted': CampaignEventData,
  'contact.created': ContactEventData,
  'contact.updated': ContactEventData,
  'contact.deleted': ContactEventData,
  'message.approved': MessageDecisionData,
  'message.rejected': MessageDecisionData,
  'message.sent': MessageSentData,
  'message.delivered': MessageDeliveredData,
  'message.opened': MessageOpenedData,
  'message.bounced': MessageBouncedData,
  'conversation.created': ConversationCreatedData,
  'conversation.reply_received': ReplyReceivedData,
  'discovery.completed': DiscoveryCompletedData,
  'discovery.failed': DiscoveryFailedData,
} as const satisfies Partial<Record<EventType, z.ZodType>>;

export type EmittedEvent = keyof typeof EVENT_DATA;
export type EventData<E extends EmittedEvent> = z.infer<(typeof EVENT_DATA)[E]>;
