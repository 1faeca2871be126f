/**
 * Registers a webhook endpoint: the URL is checked (scheme and where its host resolves), a signing
 * secret is generated and stored sealed, and the raw secret is handed back once. An account holds at
 * most MAX_WEBHOOKS endpoints; creations are serialised per account so the limit holds.
 */
import { and, count, eq, isNull } from 'drizzle-orm';
import { users } from '../../../db/schema.ts';
import { webhookEndpoints } from '../../../db/schema-webhooks.ts';
import { ApiError } from '../../errors/api-error.ts';
import { userIdOf } from '../api-keys/owned-key.ts';
import { agentIdentityOf } from '../principal.ts';
import { newSigningSecret } from './signing.ts';
import { assertDeliverableUrl, type WebhookCall } from './webhook-call.ts';
import type { WebhookRow } from './webhook-view.ts';

export const MAX_WEBHOOKS = 20;

export interface CreateWebhookInput {
  url: string;
  events: string[];
  description?: string | undefined;
}

export async function createWebhook(
  call: WebhookCall,
  input: CreateWebhookInput,
): Promise<{ row: WebhookRow; secret: string }> {
  if (agentIdentityOf(call.principal) !== null) throw new ApiError('APIKEY_004');
  const userId = userIdOf(call.principal);
  await assertDeliverableUrl(call.services, input.url);
  await call.db.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('no key update');
  const [held] = await call.db
    .select({ n: count() })
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.userId, userId), isNull(webhookEndpoints.deletedAt)));
  if ((held?.n ?? 0) >= MAX_WEBHOOKS) {
    throw new ApiError(
      'HOOK_003',
      `invalid webhook payload - at most ${MAX_WEBHOOKS} webhooks per account; delete one first`,
    );
  }
  const secret = newSigningSecret();
  const [row] = await call.db
    .insert(webhookEndpoints)
    .values({
      userId,
      url: input.url,
      description: input.description ?? null,
      events: input.events,
      secretSealed: call.services.sealer.seal(secret),
      createdAt: call.now,
      updatedAt: call.now,
    })
    .returning();
  if (!row) throw new Error('webhook endpoint was not inserted');
  return { row, secret };
}
