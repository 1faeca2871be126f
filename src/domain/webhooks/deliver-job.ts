/** The `webhook.deliver` job: one attempt of one delivery (deliver.ts). */
import { z } from 'zod';
import type { JobHandler } from '../../services.ts';
import { runDeliveryAttempt } from './deliver.ts';

const DeliverPayload = z.object({ delivery_id: z.uuid(), attempt: z.number().int().min(1) });

export const deliverWebhookJob: JobHandler = async (ctx) => {
  const { delivery_id, attempt } = DeliverPayload.parse(ctx.job.payload);
  await runDeliveryAttempt(
    { db: ctx.db, services: ctx.services, now: ctx.now, signal: ctx.signal },
    delivery_id,
    attempt,
  );
};
