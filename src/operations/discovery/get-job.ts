import { z } from 'zod';
import { discoveryJobs } from '../../../db/schema-messages.ts';
import { DiscoveryJob, toDiscoveryJob } from '../../domain/discovery/discovery-job-view.ts';
import { JobIdInput, ownedJob } from '../../domain/discovery/owned-jobs.ts';
import { ApiError } from '../../errors/api-error.ts';
import { defineOperation } from '../define-operation.ts';

export const discoveryGetJob = defineOperation({
  id: 'discovery.get_job',
  method: 'GET',
  path: '/discovery/jobs/:id',
  summary: 'get a discovery job: the search, its status and progress, what it found, or why it failed',
  scope: 'read',
  errors: ['DISCOVERY_002'],
  input: z.object(JobIdInput),
  output: DiscoveryJob,
  handler: async (ctx, input) => {
    const [row] = await ctx.db.select().from(discoveryJobs).where(ownedJob(ctx.principal, input.id)).limit(1);
    if (!row) throw new ApiError('DISCOVERY_002');
    return { data: toDiscoveryJob(row) };
  },
});
