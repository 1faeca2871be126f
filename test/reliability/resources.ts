/**
 * The resources an account can own, which id an operation's path parameter or id field names, creating
 * one of each for an account (through the API, or with the domain functions where no operation creates
 * them) and reading them back to see whether anything changed.
 */
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { channelAccounts } from '../../db/schema-channels.ts';
import { conversations } from '../../db/schema-contacts.ts';
import { creditAccounts, creditEntries } from '../../db/schema-credits.ts';
import { messages } from '../../db/schema-messages.ts';
import { agentIdentities, payments } from '../../db/schema-payments.ts';
import { webhookDeliveries } from '../../db/schema-webhooks.ts';
import { postEntry } from '../../src/domain/credits/ledger.ts';
import { notify } from '../../src/domain/notifications/notify.ts';
import { type Operation, pathParams } from '../../src/operations/define-operation.ts';
import { toJsonSchema } from '../../src/operations/json-schema.ts';
import { BURST_LIMIT, CLASS_LIMITS, GLOBAL_LIMIT } from '../../src/pipeline/rate-limit/limits.ts';
import { api } from '../helpers/api.ts';
import { propertiesOf } from './schema-arbitrary.ts';

export type ResourceKind =
  | 'campaign'
  | 'targetProfile'
  | 'contact'
  | 'message'
  | 'discoveryJob'
  | 'key'
  | 'notification'
  | 'creditPurchase'
  | 'conversation'
  | 'webhook'
  | 'webhookDelivery'
  | 'channelAccount'
  | 'payment'
  | 'agentIdentity';

/**
 * The collection a path segment names (or the two segments before it, where one is too vague): a
 * `:param` right after it is an id of that resource.
 */
export const SEGMENT_RESOURCES: Record<string, ResourceKind> = {
  'discovery/jobs': 'discoveryJob',
  campaigns: 'campaign',
  'target-profiles': 'targetProfile',
  contacts: 'contact',
  messages: 'message',
  keys: 'key',
  notifications: 'notification',
  purchases: 'creditPurchase',
  conversations: 'conversation',
  webhooks: 'webhook',
  ':id/deliveries': 'webhookDelivery',
  'channels/accounts': 'channelAccount',
  payments: 'payment',
};

/** Id fields of a query or body. `resource_id` (audit entries) may name anything: a campaign stands in. */
export const FIELD_RESOURCES: Record<string, ResourceKind> = {
  campaign_id: 'campaign',
  profile_id: 'targetProfile',
  contact_id: 'contact',
  message_id: 'message',
  api_key_id: 'key',
  key_id: 'key',
  notification_id: 'notification',
  purchase_id: 'creditPurchase',
  resource_id: 'campaign',
  conversation_id: 'conversation',
  identity_id: 'agentIdentity',
  delivery_id: 'webhookDelivery',
};

/** Id fields naming something outside iris (a person's id on a DM platform): no account owns them. */
const PLATFORM_IDS = new Set(['recipient_id']);

export interface IdSlot {
  name: string;
  where: 'path' | 'field';
  /** The resource it names; undefined when unknown (the sweep fails, naming the operation). */
  resource: ResourceKind | undefined;
  /** An array of ids (`ids`). */
  many: boolean;
}

/** Every place an operation takes an id: path parameters, then `*_id` and `ids` fields. */
export function idSlotsOf(operation: Operation): IdSlot[] {
  const segments = operation.path.split('/').filter(Boolean);
  const slots: IdSlot[] = [];
  for (const param of pathParams(operation.path)) {
    const at = segments.indexOf(`:${param}`);
    const resource =
      SEGMENT_RESOURCES[`${segments[at - 2] ?? ''}/${segments[at - 1] ?? ''}`] ??
      SEGMENT_RESOURCES[segments[at - 1] ?? ''];
    slots.push({ name: param, where: 'path', resource, many: false });
  }
  const params = new Set(pathParams(operation.path));
  for (const [name] of propertiesOf(toJsonSchema(operation.input, 'input'))) {
    if (params.has(name) || PLATFORM_IDS.has(name)) continue;
    if (name === 'ids') {
      slots.push({ name, where: 'field', resource: SEGMENT_RESOURCES[segments[0] ?? ''], many: true });
    } else if (name === 'id' || name.endsWith('_id') || name.endsWith('_ids')) {
      const many = name.endsWith('_ids');
      const resource = FIELD_RESOURCES[many ? name.slice(0, -1) : name];
      slots.push({ name, where: 'field', resource, many });
    }
  }
  return slots;
}

export interface Owned {
  /** Ids by resource; a target profile's campaign in `profileCampaign`. */
  ids: Record<ResourceKind, string[]>;
  profileCampaign: Map<string, string>;
  /** Names, emails and texts put into these resources, unique to them: a response showing one leaks. */
  markers: string[];
}

export interface Seeder {
  url: string;
  db: Db;
  /** Called before every request: moves the server's clock past the rate-limit windows. */
  beforeRequest(): void;
}

/**
 * How far to move the clock before a request so no per-key limit answers it (there is no setting that
 * lifts them): past the global and burst windows and those of the operation's class (or every class).
 */
export function pastRateLimitsMs(operation?: Pick<Operation, 'rateLimit'>): number {
  const classes = operation
    ? operation.rateLimit
      ? [CLASS_LIMITS[operation.rateLimit]]
      : []
    : Object.values(CLASS_LIMITS);
  return (
    Math.max(GLOBAL_LIMIT.windowMs, BURST_LIMIT.windowMs, ...classes.map((rule) => rule.windowMs)) + 1_000
  );
}

async function post(
  seeder: Seeder,
  key: string,
  path: string,
  body: unknown,
  idField = 'id',
): Promise<string | undefined> {
  seeder.beforeRequest();
  const response = await api(seeder.url, 'POST', path, { key, body });
  // An account holds at most 25 active keys; a fuzz that created them leaves the other seeds to make.
  if (response.status === 429 && response.body?.error?.code === 'APIKEY_005') return undefined;
  if (response.status !== 201 && response.status !== 200) {
    throw new Error(`seeding ${path} failed: ${response.status} ${response.text}`);
  }
  return response.body.data[idField] as string;
}

/**
 * `count` of each resource for the account of `key` (user `userId`), its texts carrying `label`: a
 * campaign with a target profile, a contact in it and a draft message to the contact, a discovery job,
 * a key, a notification, and an agent's credit purchase (credit purchases belong to agent identities, never to
 * an account).
 */
export async function seedResources(
  seeder: Seeder,
  account: { key: string; userId: string },
  label: string,
  count = 1,
): Promise<Owned> {
  const owned: Owned = {
    ids: {
      campaign: [],
      targetProfile: [],
      contact: [],
      message: [],
      discoveryJob: [],
      key: [],
      notification: [],
      creditPurchase: [],
      conversation: [],
      webhook: [],
      webhookDelivery: [],
      channelAccount: [],
      payment: [],
      agentIdentity: [],
    },
    profileCampaign: new Map(),
    markers: [],
  };
  for (let i = 0; i < count; i++) {
    const tag = `${label}-${i}-${randomBytes(4).toString('hex')}`;
    const texts = {
      campaign: `campaign ${tag}`,
      location: `location ${tag}`,
      profile: `profile ${tag}`,
      email: `contact-${tag}@example.com`.toLowerCase(),
      name: `first ${tag}`,
      key: `key ${tag}`,
      notification: `notification ${tag}`,
      message: `message ${tag}`,
      discovery: `discovery ${tag}`,
      webhook: `webhook ${tag}`,
      handle: `h${randomBytes(6).toString('hex')}`,
    };
    owned.markers.push(...Object.values(texts));
    const created = async (path: string, body: unknown, idField = 'id') => {
      const id = await post(seeder, account.key, path, body, idField);
      if (id === undefined) throw new Error(`seeding ${path} failed: limit reached`);
      return id;
    };
    const campaign = await created('/campaigns', {
      name: texts.campaign,
      objective_type: 'product_promotion',
      location: texts.location,
      keywords: [tag],
    });
    owned.ids.campaign.push(campaign);
    const profile = await created(`/campaigns/${campaign}/target-profiles`, {
      name: texts.profile,
      description: texts.profile,
    });
    owned.ids.targetProfile.push(profile);
    owned.profileCampaign.set(profile, campaign);
    const contact = await created('/contacts', {
      email: texts.email,
      first_name: texts.name,
      campaign_id: campaign,
    });
    owned.ids.contact.push(contact);
    // A draft waiting for approval, as the drafting engine writes it.
    const [draft] = await seeder.db
      .insert(messages)
      .values({
        userId: account.userId,
        campaignId: campaign,
        contactId: contact,
        channel: 'email',
        direction: 'outbound',
        step: 0,
        status: 'pending_approval',
        subject: texts.message,
        body: `Hi {{first_name}}, ${texts.message}`,
      })
      .returning({ id: messages.id });
    if (!draft) throw new Error('no message');
    owned.ids.message.push(draft.id);
    // A search records a discovery job (the built-in sample source answers in-process).
    owned.ids.discoveryJob.push(await created('/discovery/search', { query: texts.discovery }, 'job_id'));
    const key = await post(seeder, account.key, '/keys', { name: texts.key, scopes: ['read'] });
    if (key) owned.ids.key.push(key);
    const note = await notify(seeder.db, account.userId, 'reply.received', { text: texts.notification });
    owned.ids.notification.push(note.id);
    const [identity] = await seeder.db
      .insert(agentIdentities)
      .values({ kind: 'mpp', subject: `reliability-${tag}` })
      .returning({ id: agentIdentities.id });
    if (!identity) throw new Error('no agent identity');
    const purchase = await postEntry(seeder.db, {
      identityId: identity.id,
      kind: 'purchase',
      credits: 5,
      reference: `reliability:${tag}`,
      metadata: { pack: 'pack_5' },
      at: new Date(),
    });
    owned.ids.creditPurchase.push(purchase.entry.id);
    owned.ids.agentIdentity.push(identity.id);
    // A payment of that agent (x402 and MPP payments belong to agent identities, read by the operator).
    const [payment] = await seeder.db
      .insert(payments)
      .values({
        rail: 'mpp',
        identityId: identity.id,
        campaignId: null,
        amountMinor: 240n,
        currency: 'usd',
        reference: `pi_reliability_${tag}`,
      })
      .returning({ id: payments.id });
    if (!payment) throw new Error('no payment');
    owned.ids.payment.push(payment.id);
    // A conversation with the contact, as the first send opens it.
    const [conversation] = await seeder.db
      .insert(conversations)
      .values({ userId: account.userId, contactId: contact, campaignId: campaign, channel: 'email' })
      .returning({ id: conversations.id });
    if (!conversation) throw new Error('no conversation');
    owned.ids.conversation.push(conversation.id);
    // A webhook endpoint (loopback: the servers allow private receivers) and a delivery of it.
    const webhook = await created('/webhooks', {
      url: `http://127.0.0.1:9/${tag}`,
      events: ['message.opened'],
      description: texts.webhook,
    });
    owned.ids.webhook.push(webhook);
    const [delivery] = await seeder.db
      .insert(webhookDeliveries)
      .values({ endpointId: webhook, eventType: 'webhook.test', testData: {}, status: 'failed', attempts: 4 })
      .returning({ id: webhookDeliveries.id });
    if (!delivery) throw new Error('no delivery');
    owned.ids.webhookDelivery.push(delivery.id);
    // A connected X account (its token is never read here).
    const [account_] = await seeder.db
      .insert(channelAccounts)
      .values({
        userId: account.userId,
        channel: 'twitter',
        externalAccountId: texts.handle,
        handle: texts.handle,
        tokenSealed: 'v1.not.a.token',
      })
      .returning({ id: channelAccounts.id });
    if (!account_) throw new Error('no channel account');
    owned.ids.channelAccount.push(account_.id);
    owned.markers.push(texts.handle);
  }
  return owned;
}

/** Everything about the resources as their owner reads them, to compare before and after. */
export async function snapshotOf(
  seeder: Seeder,
  key: string,
  owned: Owned,
): Promise<Record<string, unknown>> {
  const read = async (path: string) => {
    seeder.beforeRequest();
    const response = await api(seeder.url, 'GET', path, { key });
    return { status: response.status, data: response.body?.data as unknown };
  };
  const snapshot: Record<string, unknown> = {};
  for (const id of owned.ids.campaign) {
    snapshot[`campaign ${id}`] = await read(`/campaigns/${id}`);
    snapshot[`campaign ${id} profiles`] = await read(`/campaigns/${id}/target-profiles`);
    snapshot[`campaign ${id} contacts`] = await read(`/campaigns/${id}/contacts?limit=100`);
  }
  for (const id of owned.ids.contact) snapshot[`contact ${id}`] = await read(`/contacts/${id}`);
  const keys = (await read('/keys?limit=100')).data as { id: string }[];
  for (const id of owned.ids.key) snapshot[`key ${id}`] = keys.find((k) => k.id === id) ?? 'missing';
  const notes = [
    ...(((await read('/notifications?limit=100&unread=true')).data ?? []) as { id: string }[]),
    ...(((await read('/notifications?limit=100&unread=false')).data ?? []) as { id: string }[]),
  ];
  for (const id of owned.ids.notification) {
    snapshot[`notification ${id}`] = notes.find((n) => n.id === id) ?? 'missing';
  }
  for (const id of owned.ids.discoveryJob)
    snapshot[`discovery job ${id}`] = await read(`/discovery/jobs/${id}`);
  for (const id of owned.ids.message) {
    snapshot[`message ${id}`] = (await seeder.db.select().from(messages).where(eq(messages.id, id)))[0];
  }
  const rowOf = async <T>(rows: Promise<T[]>) => (await rows)[0] ?? 'missing';
  for (const id of owned.ids.conversation) {
    snapshot[`conversation ${id}`] = await rowOf(
      seeder.db.select().from(conversations).where(eq(conversations.id, id)),
    );
  }
  for (const id of owned.ids.webhook) snapshot[`webhook ${id}`] = await read(`/webhooks/${id}`);
  for (const id of owned.ids.webhookDelivery) {
    snapshot[`webhook delivery ${id}`] = await rowOf(
      seeder.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)),
    );
  }
  for (const id of owned.ids.channelAccount) {
    snapshot[`channel account ${id}`] = await rowOf(
      seeder.db.select().from(channelAccounts).where(eq(channelAccounts.id, id)),
    );
  }
  for (const id of owned.ids.payment) {
    snapshot[`payment ${id}`] = await rowOf(seeder.db.select().from(payments).where(eq(payments.id, id)));
  }
  for (const id of owned.ids.agentIdentity) {
    snapshot[`agent identity ${id}`] = await rowOf(
      seeder.db.select().from(agentIdentities).where(eq(agentIdentities.id, id)),
    );
  }
  for (const id of owned.ids.creditPurchase) {
    const [entry] = await seeder.db.select().from(creditEntries).where(eq(creditEntries.id, id));
    const [account] = entry
      ? await seeder.db.select().from(creditAccounts).where(eq(creditAccounts.identityId, entry.identityId))
      : [];
    snapshot[`credit purchase ${id}`] = { entry, balance: account?.balance };
  }
  return snapshot;
}
