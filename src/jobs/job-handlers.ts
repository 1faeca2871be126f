/**
 * Every job kind this server runs, and its handler: the map the composition root gives the worker.
 * Adding a kind is one line here. A handler gets the attempt's transaction (`ctx.db`: its writes commit
 * once, with the job's `done`), the services, the job and the time; it throws to fail the attempt.
 * Kinds missing here are left queued by the local worker (another process may handle them).
 */
import { deliverWebhookJob } from '../domain/webhooks/deliver-job.ts';
import type { JobHandlers } from '../services.ts';
import { analyzeReplyJob } from './handlers/analyze-reply.ts';
import { completeCampaignJob, draftCampaignJob, runCampaignJob } from './handlers/campaign-jobs.ts';
import { sendMessageJob } from './handlers/send-message.ts';

export const JOB_HANDLERS: JobHandlers = {
  /** Does nothing: the bench's jobs, and a way to see the worker run. */
  noop: async () => {},
  'campaign.run': runCampaignJob,
  'campaign.draft': draftCampaignJob,
  'campaign.complete': completeCampaignJob,
  'message.send': sendMessageJob,
  'reply.analyze': analyzeReplyJob,
  'webhook.deliver': deliverWebhookJob,
};
