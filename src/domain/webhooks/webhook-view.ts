/**
 * A webhook endpoint as the API shows it, and which ones a principal may see: its own account's, not
 * deleted. Agent identities own none (their events are not delivered to accounts' endpoints either, as
 * accounts never see agents' campaigns). Any other id is 404 WEBHOOK_001, never forbidden.
 */
import { and, eq, isNull, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { webhookEndpoints } from '../../../db/schema-webhooks.ts';
import { ApiError } from '../../errors/api-error.ts';
import { userIdOf } from '../api-keys/owned-key.ts';
import { EVENT_TYPES } from '../events/event-types.ts';
import { agentIdentityOf, type Principal } from '../principal.ts';
import { isoOrNull, Timestamp } from '../timestamps.ts';

const Uuid = z.uuid();

export type WebhookRow = typeof webhookEndpoints.$inferSelect;

/** The path parameter naming one webhook. */
export const WebhookIdInput = { id: z.string().describe('webhook id') };

export const WebhookEvents = z
  .array(z.enum([...EVENT_TYPES, '*']))
  .min(1)
  .max(EVENT_TYPES.length)
  .refine((list) => !list.includes('*') || list.length === 1, 'use ["*"] alone, or a list of event names')
  .transform((list) => [...new Set(list)].sort())
  .describe(`the events to deliver: some of ${EVENT_TYPES.join(', ')}; or ["*"] for all of them`);

export const WebhookDescription = z.string().trim().max(500).describe('what the endpoint is for');

export const Webhook = z.object({
  id: z.uuid(),
  url: z.string().describe('where deliveries are POSTed'),
  description: z.string().nullable(),
  events: z.array(z.string()).describe('event names delivered here, or ["*"]'),
  enabled: z.boolean().describe('false: nothing is delivered (turned off, or disabled after failing)'),
  disabled_reason: z
    .string()
    .nullable()
    .describe('why it is off: "manual" (turned off by an update) or "failing" (iris stopped it)'),
  disabled_at: Timestamp.nullable(),
  secret_rotated_at: Timestamp.nullable(),
  created_at: Timestamp,
  updated_at: Timestamp,
});
export type Webhook = z.infer<typeof Webhook>;

export const WebhookWithSecret = Webhook.extend({
  secret: z
    .string()
    .describe(
      'the signing secret (whsec_…), shown only in this answer: HMAC key of X-Iris-Signature and of the Standard Webhooks signature',
    ),
});

export function toWebhook(row: WebhookRow): Webhook {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    enabled: row.enabled,
    disabled_reason: row.disabledReason,
    disabled_at: isoOrNull(row.disabledAt),
    secret_rotated_at: isoOrNull(row.secretRotatedAt),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function webhookNotFound(): ApiError {
  return new ApiError('WEBHOOK_001');
}

/** The webhooks a principal sees: its account's, not deleted; none for an agent. */
export function ownedWebhooks(principal: Principal): SQL {
  if (agentIdentityOf(principal) !== null) return sql`false`;
  return and(eq(webhookEndpoints.userId, userIdOf(principal)), isNull(webhookEndpoints.deletedAt)) as SQL;
}

/** Webhook `id` if the principal may see it; an id that cannot name one is WEBHOOK_001 at once. */
export function ownedWebhook(principal: Principal, id: string): SQL {
  if (agentIdentityOf(principal) !== null || !Uuid.safeParse(id).success) throw webhookNotFound();
  return and(eq(webhookEndpoints.id, id), ownedWebhooks(principal)) as SQL;
}

/** Loads the webhook, locking its row when `lock` (inside a transaction). */
export async function findOwnedWebhook(
  db: Db,
  principal: Principal,
  id: string,
  options: { lock?: boolean } = {},
): Promise<WebhookRow> {
  const query = db.select().from(webhookEndpoints).where(ownedWebhook(principal, id)).limit(1);
  const [row] = options.lock ? await query.for('update') : await query;
  if (!row) throw webhookNotFound();
  return row;
}
