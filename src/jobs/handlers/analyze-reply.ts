/** The `reply.analyze` job: the AI's reading of a stored reply. The work is in src/domain/inbound. */
import { z } from 'zod';
import { analyzeReply } from '../../domain/inbound/analyze-reply.ts';
import type { JobHandler } from '../../services.ts';

const Payload = z.object({ message_id: z.uuid() });

export const analyzeReplyJob: JobHandler = async (ctx) => {
  const { message_id } = Payload.parse(ctx.job.payload);
  await analyzeReply(ctx.db, ctx.services.ai, message_id, ctx.now);
};
