/**
 * Which discovery jobs a principal may see: its account's, or, for an agent key, its identity's (the
 * jobs of its campaigns). Everything else is "not found" (DISCOVERY_002).
 */
import { and, eq, isNull, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { discoveryJobs } from '../../../db/schema-messages.ts';
import { ApiError } from '../../errors/api-error.ts';
import { userIdOf } from '../api-keys/owned-key.ts';
import { agentIdentityOf, type Principal } from '../principal.ts';

const Uuid = z.uuid();

/** The path parameter naming one job. */
export const JobIdInput = { id: z.string().describe('discovery job id') };

export function ownedJobs(principal: Principal): SQL {
  const identity = agentIdentityOf(principal);
  return (
    identity
      ? eq(discoveryJobs.agentIdentityId, identity)
      : and(eq(discoveryJobs.userId, userIdOf(principal)), isNull(discoveryJobs.agentIdentityId))
  ) as SQL;
}

/** Job `id` if the principal may see it; an id that cannot name a job is DISCOVERY_002 at once. */
export function ownedJob(principal: Principal, id: string): SQL {
  if (!Uuid.safeParse(id).success) throw new ApiError('DISCOVERY_002');
  return and(eq(discoveryJobs.id, id), ownedJobs(principal)) as SQL;
}
