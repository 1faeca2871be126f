/**
 * A webhook delivery as the API shows it, with the log of its attempts, and the page of a webhook's
 * deliveries (newest first).
 */
import { and, asc, desc, eq, inArray, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../../db/client.ts';
import { webhookDeliveries, webhookDeliveryAttempts } from '../../../db/schema-webhooks.ts';
import { ApiError } from '../../errors/api-error.ts';
import type { Pagination } from '../../operations/define-operation.ts';
import { afterCursor, pageOf } from '../pagination.ts';
import { isoOrNull, Timestamp } from '../timestamps.ts';
import type { DeliveryRow } from './deliver.ts';
import { publicEventId } from './signing.ts';

type AttemptRow = typeof webhookDeliveryAttempts.$inferSelect;

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;

const Uuid = z.uuid();

export const DeliveryAttempt = z.object({
  attempt: z.number().int().describe('1 for the first POST, then counting on'),
  started_at: Timestamp.describe('when the POST was made (its X-Iris-Timestamp)'),
  response_status: z.number().int().nullable().describe("the receiver's HTTP status; null when none came"),
  latency_ms: z.number().int(),
  error: z.string().nullable().describe('why it did not count as delivered; null on a 2xx'),
  response_body: z.string().nullable().describe("the start of the receiver's answer (at most 1 KB)"),
});

export const Delivery = z.object({
  id: z.uuid().describe('the X-Iris-Delivery (and webhook-id) header of every attempt'),
  webhook_id: z.uuid(),
  event_id: z.string().describe('the envelope id (evt_…)'),
  event: z.string().describe('the event name; webhook.test for a test event'),
  status: z.enum(DELIVERY_STATUSES).describe('pending (attempts left), succeeded (a 2xx came) or failed'),
  attempts: z.number().int().describe('POSTs made so far'),
  max_attempts: z.number().int().describe('4 (3 retries); a redelivery grants 4 more'),
  response_status: z.number().int().nullable().describe('HTTP status of the last attempt'),
  latency_ms: z.number().int().nullable().describe('duration of the last attempt'),
  error: z.string().nullable().describe('why the last attempt failed'),
  next_retry_at: Timestamp.nullable().describe('when the next attempt is due, while pending'),
  delivered_at: Timestamp.nullable(),
  created_at: Timestamp,
  attempt_log: z.array(DeliveryAttempt).describe('every attempt, oldest first'),
});
export type Delivery = z.infer<typeof Delivery>;

function toAttempt(row: AttemptRow): z.infer<typeof DeliveryAttempt> {
  return {
    attempt: row.attempt,
    started_at: row.startedAt.toISOString(),
    response_status: row.responseStatus,
    latency_ms: row.latencyMs,
    error: row.error,
    response_body: row.responseBody,
  };
}

export function toDelivery(row: DeliveryRow, attempts: readonly AttemptRow[]): Delivery {
  return {
    id: row.id,
    webhook_id: row.endpointId,
    event_id: publicEventId(row.eventId ?? row.id),
    event: row.eventType,
    status: row.status as Delivery['status'],
    attempts: row.attempts,
    max_attempts: row.maxAttempts,
    response_status: row.lastResponseStatus,
    latency_ms: row.lastLatencyMs,
    error: row.lastError,
    next_retry_at: isoOrNull(row.nextAttemptAt),
    delivered_at: isoOrNull(row.deliveredAt),
    created_at: row.createdAt.toISOString(),
    attempt_log: attempts.filter((attempt) => attempt.deliveryId === row.id).map(toAttempt),
  };
}

/** The deliveries with their attempts, in the order given. */
export async function withAttempts(db: Db, rows: readonly DeliveryRow[]): Promise<Delivery[]> {
  if (rows.length === 0) return [];
  const attempts = await db
    .select()
    .from(webhookDeliveryAttempts)
    .where(
      inArray(
        webhookDeliveryAttempts.deliveryId,
        rows.map((row) => row.id),
      ),
    )
    .orderBy(asc(webhookDeliveryAttempts.attempt));
  return rows.map((row) => toDelivery(row, attempts));
}

export function deliveryNotFound(): ApiError {
  return new ApiError('SERVER_003', 'webhook delivery not found');
}

/** Delivery `id` of webhook `webhookId` (whose ownership the caller checked). */
export function deliveryOf(webhookId: string, id: string): SQL {
  if (!Uuid.safeParse(id).success) throw deliveryNotFound();
  return and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.endpointId, webhookId)) as SQL;
}

export async function deliveriesPage(
  db: Db,
  webhookId: string,
  options: { limit: number; cursor?: string | undefined; status?: Delivery['status'] | undefined },
): Promise<{ data: Delivery[]; pagination: Pagination }> {
  const rows = await db
    .select()
    .from(webhookDeliveries)
    .where(
      and(
        eq(webhookDeliveries.endpointId, webhookId),
        options.status ? eq(webhookDeliveries.status, options.status) : undefined,
        afterCursor(options.cursor, webhookDeliveries.createdAt, webhookDeliveries.id),
      ),
    )
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(options.limit + 1);
  const page = pageOf(rows, options.limit);
  return { data: await withAttempts(db, page.rows), pagination: page.pagination };
}
