/** The `message.send` job: one queued message to its channel. The work is in src/domain/sending. */
import { z } from 'zod';
import { sendMessage } from '../../domain/sending/send-message.ts';
import type { JobHandler } from '../../services.ts';

const SendPayload = z.object({ message_id: z.uuid(), try: z.number().int().min(1).default(1) });

export const sendMessageJob: JobHandler = async (ctx) => {
  const payload = SendPayload.parse(ctx.job.payload);
  await sendMessage(ctx.db, ctx.services, payload.message_id, {
    now: ctx.now,
    attempt: ctx.job.attempts,
    tryNumber: payload.try,
  });
};
