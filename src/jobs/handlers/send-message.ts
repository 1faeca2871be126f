/** The `message.send` job: one queued message to its channel. The work is in src/domain/sending. */
import { z } from 'zod';
import { sendMessage } from '../../domain/sending/send-message.ts';
import type { JobHandler } from '../../services.ts';

const SendPayload = z.object({ message_id: z.uuid() });

export const sendMessageJob: JobHandler = async (ctx) => {
  const { message_id } = SendPayload.parse(ctx.job.payload);
  await sendMessage(ctx.db, ctx.services, message_id, { now: ctx.now, attempt: ctx.job.attempts });
};
