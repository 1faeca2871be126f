/**
 * A campaign is `completed` when nothing is left to do: its run and drafting jobs have finished and
 * none of its outbound messages is still waiting (pending approval, approved or queued — follow-ups
 * due days later included). Whatever may end the last piece of work (a message sent, bounced, failed,
 * rejected or withdrawn; a contact drafted) asks for a check with `requestCompletionCheck`, in its own
 * transaction; the check itself runs as the `campaign.complete` job, which locks the campaign and
 * counts again. Two last sends committing side by side both ask (each still sees the other waiting),
 * and the job, running after both, finds nothing left: no campaign is left active with nothing to do.
 */
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { campaigns } from '../../../db/schema.ts';
import { jobs } from '../../../db/schema-jobs.ts';
import { messages } from '../../../db/schema-messages.ts';
import { enqueue } from '../../jobs/enqueue.ts';
import { emitCampaignEvent } from '../campaigns/campaign-events.ts';
import { notify } from '../notifications/notify.ts';
import { UNSENT_STATUSES } from '../sending/suppression.ts';

export const COMPLETE_JOB = 'campaign.complete';

/** Asking is cheap but not free: only when this few messages of the campaign are left waiting. */
const ASK_BELOW = 64;

async function waitingMessages(db: Db, campaignId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(messages)
    .where(
      and(
        eq(messages.campaignId, campaignId),
        eq(messages.direction, 'outbound'),
        inArray(messages.status, [...UNSENT_STATUSES]),
      ),
    );
  return row?.n ?? 0;
}

/** Enqueues a completion check when the campaign may have nothing left (`cause`: what just ended). */
export async function requestCompletionCheck(tx: Db, campaignId: string, cause: string): Promise<void> {
  if ((await waitingMessages(tx, campaignId)) > ASK_BELOW) return;
  await enqueue(tx, {
    kind: COMPLETE_JOB,
    payload: { campaign_id: campaignId },
    dedupeKey: `${COMPLETE_JOB}:${campaignId}:${cause}`,
  });
}

/** Engine jobs of the campaign not finished yet (its run, its drafting). */
async function unfinishedEngineJobs(db: Db, campaignId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(jobs)
    .where(
      and(
        inArray(jobs.state, ['queued', 'running', 'published']),
        inArray(jobs.kind, ['campaign.run', 'campaign.draft']),
        sql`${jobs.payload}->>'campaign_id' = ${campaignId}`,
      ),
    );
  return row?.n ?? 0;
}

/** The `campaign.complete` job: completes an active campaign with nothing left to do. */
export async function completeIfDone(tx: Db, campaignId: string, now: Date): Promise<boolean> {
  const [campaign] = await tx
    .select()
    .from(campaigns)
    .where(eq(campaigns.id, campaignId))
    .for('no key update');
  if (campaign?.status !== 'active') return false;
  if ((await waitingMessages(tx, campaignId)) > 0) return false;
  if ((await unfinishedEngineJobs(tx, campaignId)) > 0) return false;
  const [sentAny] = await tx
    .select({ n: count() })
    .from(messages)
    .where(and(eq(messages.campaignId, campaignId), eq(messages.direction, 'outbound')));
  // A campaign that never drafted a message is not done, it never started: the run reports that.
  if ((sentAny?.n ?? 0) === 0) return false;
  const [row] = await tx
    .update(campaigns)
    .set({ status: 'completed', completedAt: now, updatedAt: now })
    .where(eq(campaigns.id, campaignId))
    .returning();
  if (!row) return false;
  await emitCampaignEvent(tx, 'campaign.updated', row, now);
  if (row.agentIdentityId === null) {
    await notify(tx, row.userId, 'campaign.completed', { campaign_id: row.id, name: row.name }, now);
  }
  return true;
}
