/**
 * One attempt of one delivery (the `webhook.deliver` job, and the test operation), in the caller's
 * transaction: the delivery row is locked, the endpoint's URL checked and resolved again (DNS
 * rebinding), the envelope POSTed to the checked address with both signatures, and the attempt logged.
 * A 2xx acknowledges; anything else (3xx included: redirects are not followed) fails the attempt, and
 * the next one is queued after its backoff until the delivery's attempts are spent.
 *
 * A job that dies mid-flight (crash, lost lease) rolls back with its transaction: nothing of that
 * attempt is recorded and the job runs again with the same attempt number and the same X-Iris-Delivery.
 * A job that finds its attempt already made (a duplicate) does nothing.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { events } from '../../../db/schema-events.ts';
import { webhookDeliveries, webhookDeliveryAttempts, webhookEndpoints } from '../../../db/schema-webhooks.ts';
import { type PostResult, postWebhook } from '../../integrations/webhooks/post-webhook.ts';
import { resolveTarget } from '../../integrations/webhooks/resolve-target.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import type { Services } from '../../services.ts';
import { storableText } from '../storable.ts';
import { recordFinalFailure, recordSuccess } from './endpoint-health.ts';
import { DELIVER_JOB_KIND, deliverJobKey } from './fan-out.ts';
import { DELIVERY_ATTEMPTS, DELIVERY_TIMEOUT_MS, retryDelayMs } from './retry-policy.ts';
import { deliveryHeaders, type Envelope, publicEventId } from './signing.ts';

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
type EndpointRow = typeof webhookEndpoints.$inferSelect;

export interface AttemptContext {
  db: Db;
  services: Services;
  now: Date;
  signal?: AbortSignal;
  /** Per attempt; DELIVERY_TIMEOUT_MS unless a caller needs less. */
  timeoutMs?: number;
}

export type AttemptOutcome = 'succeeded' | 'retrying' | 'failed' | 'skipped';

async function envelopeOf(db: Db, delivery: DeliveryRow): Promise<Envelope> {
  if (delivery.eventId === null) {
    return {
      id: publicEventId(delivery.id),
      event: delivery.eventType,
      timestamp: delivery.createdAt.toISOString(),
      created_at: delivery.createdAt.toISOString(),
      data: delivery.testData ?? {},
    };
  }
  const [event] = await db.select().from(events).where(eq(events.id, delivery.eventId));
  if (!event) throw new Error(`event ${delivery.eventId} of delivery ${delivery.id} is missing`);
  return {
    id: publicEventId(event.id),
    event: event.type,
    timestamp: event.occurredAt.toISOString(),
    created_at: delivery.createdAt.toISOString(),
    data: event.data,
  };
}

/** Ends a delivery without a request (its endpoint was deleted or turned off meanwhile). */
async function abandon(ctx: AttemptContext, delivery: DeliveryRow, reason: string): Promise<AttemptOutcome> {
  await ctx.db
    .update(webhookDeliveries)
    .set({ status: 'failed', lastError: reason, nextAttemptAt: null, updatedAt: ctx.now })
    .where(eq(webhookDeliveries.id, delivery.id));
  return 'failed';
}

async function send(ctx: AttemptContext, endpoint: EndpointRow, delivery: DeliveryRow): Promise<PostResult> {
  const checked = await resolveTarget(endpoint.url, {
    allowPrivate: ctx.services.env.WEBHOOKS_ALLOW_PRIVATE,
  });
  if (!checked.ok) return { kind: 'failed', error: `refused: ${checked.message}`, latencyMs: 0 };
  const body = JSON.stringify(await envelopeOf(ctx.db, delivery));
  const secret = ctx.services.sealer.open(endpoint.secretSealed);
  return postWebhook({
    target: checked.target,
    headers: deliveryHeaders(secret, delivery.id, ctx.now, body),
    body,
    timeoutMs: ctx.timeoutMs ?? DELIVERY_TIMEOUT_MS,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
}

/** Makes attempt `attempt` of delivery `deliveryId`, unless it was made already. */
export async function runDeliveryAttempt(
  ctx: AttemptContext,
  deliveryId: string,
  attempt: number,
): Promise<AttemptOutcome> {
  const [delivery] = await ctx.db
    .select()
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.id, deliveryId))
    .for('update');
  if (delivery?.status !== 'pending' || delivery.attempts >= attempt) return 'skipped';
  const [endpoint] = await ctx.db
    .select()
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.id, delivery.endpointId));
  if (!endpoint || endpoint.deletedAt) return abandon(ctx, delivery, 'the webhook was deleted');
  const isTest = delivery.eventId === null;
  if (!endpoint.enabled && !isTest) return abandon(ctx, delivery, 'the webhook is disabled');

  const result = await send(ctx, endpoint, delivery);
  const acknowledged = result.kind === 'answered' && result.status >= 200 && result.status < 300;
  const error =
    result.kind === 'failed'
      ? storableText(result.error)
      : acknowledged
        ? null
        : `the receiver answered HTTP ${result.status}`;
  const responseStatus = result.kind === 'answered' ? result.status : null;
  await ctx.db
    .insert(webhookDeliveryAttempts)
    .values({
      deliveryId: delivery.id,
      attempt,
      startedAt: ctx.now,
      responseStatus,
      latencyMs: result.latencyMs,
      error,
      responseBody: result.kind === 'answered' ? storableText(result.body) : null,
    })
    .onConflictDoNothing();
  const last = { attempts: attempt, lastResponseStatus: responseStatus, lastLatencyMs: result.latencyMs };

  if (acknowledged) {
    await ctx.db
      .update(webhookDeliveries)
      .set({
        ...last,
        status: 'succeeded',
        lastError: null,
        nextAttemptAt: null,
        deliveredAt: ctx.now,
        updatedAt: ctx.now,
      })
      .where(eq(webhookDeliveries.id, delivery.id));
    if (!isTest) await recordSuccess(ctx.db, endpoint.id);
    return 'succeeded';
  }
  if (attempt < delivery.maxAttempts) {
    const inRound = attempt - (delivery.maxAttempts - DELIVERY_ATTEMPTS);
    const runAt = new Date(ctx.now.getTime() + retryDelayMs(inRound));
    await ctx.db
      .update(webhookDeliveries)
      .set({ ...last, lastError: error, nextAttemptAt: runAt, updatedAt: ctx.now })
      .where(eq(webhookDeliveries.id, delivery.id));
    await enqueue(ctx.db, {
      kind: DELIVER_JOB_KIND,
      payload: { delivery_id: delivery.id, attempt: attempt + 1 },
      dedupeKey: deliverJobKey(delivery.id, attempt + 1),
      runAt,
    });
    return 'retrying';
  }
  await ctx.db
    .update(webhookDeliveries)
    .set({ ...last, status: 'failed', lastError: error, nextAttemptAt: null, updatedAt: ctx.now })
    .where(eq(webhookDeliveries.id, delivery.id));
  if (!isTest) await recordFinalFailure(ctx.db, endpoint, ctx.now);
  return 'failed';
}
