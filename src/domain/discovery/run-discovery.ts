/**
 * One discovery search, recorded as a discovery job: the plan's quota, the search itself, the job row,
 * the contacts it adds to a campaign, and the discovery.completed / discovery.failed event.
 *
 * Order, and why:
 * 1. The quota is looked at without a lock first, so an account past its plan's discovery searches is
 *    refused (DISCOVERY_008) before a provider is paid for a search.
 * 2. The search runs with no row lock held: it may take seconds, and the account's row lock would stall
 *    every other write counted against the plan meanwhile.
 * 3. Then, in the caller's transaction, the account is locked and the quota decided for good (two searches
 *    racing at the limit: one is refused), the contacts limit held for what is added, and the completed
 *    job written with its event. A refusal there rolls everything back: no job, no contacts.
 *
 * A failed search is different: its job must outlive the error the caller answers with, and the caller's
 * transaction rolls back on that error. So the failed job and its discovery.failed event are written
 * through `failures`, a handle other than the caller's transaction (operations pass the pool: its own
 * transaction commits at once); that is safe because step 2 holds no lock the insert could wait for. A
 * job handler that records failures in its own transaction (and commits) passes its transaction. A
 * failed search does not count against the quota (a provider's failure is not the account's search).
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../../db/client.ts';
import { discoveryJobs } from '../../../db/schema-messages.ts';
import { ApiError } from '../../errors/api-error.ts';
import { DiscoveryFailure, type FoundContact } from '../../integrations/discovery/discovery-port.ts';
import { holdPeriodLimit } from '../billing/period-limits.ts';
import type { UpsertedContact } from '../contacts/upsert-contacts.ts';
import { type EventOwner, emit } from '../events/emit.ts';
import { addFoundContacts } from './add-found-contacts.ts';
import { type DiscoveryQueryView, type FoundView, toFoundView } from './discovery-job-view.ts';

export interface DiscoveryRun {
  owner: EventOwner;
  campaignId: string | null;
  /** The search as the job records it. */
  query: DiscoveryQueryView;
  /** Runs the search (the provider calls); throws DiscoveryFailure or anything else when it fails. */
  search: () => Promise<FoundContact[]>;
  now: Date;
  /** Where a failed job is written: a handle whose writes outlive the caller's transaction. */
  failures: Db;
}

export interface DiscoveryOutcome {
  jobId: string;
  /** The records found, as the job holds them (with the contact each became). */
  results: FoundView[];
  /** The contacts created or merged into the campaign (none without one). */
  added: UpsertedContact[];
}

/** The code a failed search answers with: DISCOVERY_006 when the provider rate-limited us, else DISCOVERY_001. */
function failureOf(error: unknown): { code: 'DISCOVERY_001' | 'DISCOVERY_006'; message: string } {
  if (error instanceof DiscoveryFailure) {
    if (error.reason === 'rate_limited') {
      return { code: 'DISCOVERY_006', message: `discovery rate limited by the provider: ${error.message}` };
    }
    const what = error.reason === 'timeout' ? 'ran out of time' : `failed (${error.reason})`;
    return { code: 'DISCOVERY_001', message: `discovery job ${what}: ${error.message}` };
  }
  return { code: 'DISCOVERY_001', message: 'discovery job failed: the source answered unexpectedly' };
}

async function recordFailure(run: DiscoveryRun, jobId: string, code: string, message: string): Promise<void> {
  await run.failures.transaction(async (db) => {
    await db.insert(discoveryJobs).values({
      id: jobId,
      userId: run.owner.userId,
      agentIdentityId: run.owner.agentIdentityId,
      campaignId: run.campaignId,
      query: run.query,
      status: 'failed',
      results: [],
      resultCount: 0,
      errorCode: code,
      errorMessage: message,
      createdAt: run.now,
      completedAt: run.now,
    });
    await emit(
      db,
      run.owner,
      'discovery.failed',
      {
        id: jobId,
        campaign_id: run.campaignId,
        sources: run.query.sources,
        error_code: code,
        error_message: message,
      },
      run.now,
    );
  });
}

export async function runDiscovery(tx: Db, run: DiscoveryRun): Promise<DiscoveryOutcome> {
  const account = run.owner.agentIdentityId === null ? run.owner.userId : null;
  // Agents have no plan: what they buy is each campaign's allotment.
  if (account) (await holdPeriodLimit(tx, account, 'discovery_searches', run.now, { lock: false })).admit(1);

  const jobId = randomUUID();
  let found: FoundContact[];
  try {
    found = await run.search();
  } catch (error) {
    const { code, message } = failureOf(error);
    await recordFailure(run, jobId, code, message);
    throw new ApiError(code, message, { cause: error, extra: { job_id: jobId } });
  }
  found = found.slice(0, run.query.limit);

  if (account) (await holdPeriodLimit(tx, account, 'discovery_searches', run.now)).admit(1);
  let added: UpsertedContact[] = [];
  let contactIds: (string | null)[] = found.map(() => null);
  if (run.campaignId) {
    const contactsHold = account ? await holdPeriodLimit(tx, account, 'contacts', run.now) : undefined;
    ({ added, contactIds } = await addFoundContacts(tx, run.owner, found, {
      now: run.now,
      campaignId: run.campaignId,
    }));
    contactsHold?.admit(added.filter((row) => row.result === 'created').length);
  }
  const results = found.map((contact, i) => toFoundView(contact, contactIds[i] ?? null));
  await tx.insert(discoveryJobs).values({
    id: jobId,
    userId: run.owner.userId,
    agentIdentityId: run.owner.agentIdentityId,
    campaignId: run.campaignId,
    query: run.query,
    status: 'completed',
    results,
    resultCount: results.length,
    createdAt: run.now,
    completedAt: run.now,
  });
  await emit(
    tx,
    run.owner,
    'discovery.completed',
    {
      id: jobId,
      campaign_id: run.campaignId,
      sources: run.query.sources,
      result_count: results.length,
      contacts_added: added.length,
    },
    run.now,
  );
  return { jobId, results, added };
}

/** How long a synchronous search (discovery.search, search_campaign) may take before it is given up. */
export const SEARCH_BUDGET_MS = 20_000;

/** Most results one synchronous search keeps. */
export const MAX_SEARCH_RESULTS = 100;
