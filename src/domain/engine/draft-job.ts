/**
 * The `campaign.draft` job: drafts one contact's messages while its campaign is active (a paused one
 * takes no new step; its run is queued again on resume).
 */
import { and, eq } from 'drizzle-orm';
import type { Db } from '../../../db/client.ts';
import { campaigns } from '../../../db/schema.ts';
import { campaignContacts, contacts } from '../../../db/schema-contacts.ts';
import type { Services } from '../../services.ts';
import { requestCompletionCheck } from './complete-campaign.ts';
import { type DraftOutcome, draftForContact } from './draft-contact.ts';

export async function draftCampaignContact(
  db: Db,
  services: Pick<Services, 'ai'>,
  ids: { campaignId: string; contactId: string },
  now: Date,
): Promise<DraftOutcome | { state: 'not_active' }> {
  // Shared lock: drafts of several contacts run side by side; a status change waits for them.
  const [campaign] = await db.select().from(campaigns).where(eq(campaigns.id, ids.campaignId)).for('share');
  if (campaign?.status !== 'active') return { state: 'not_active' };
  const [contact] = await db
    .select({ contact: contacts })
    .from(campaignContacts)
    .innerJoin(contacts, eq(contacts.id, campaignContacts.contactId))
    .where(and(eq(campaignContacts.campaignId, campaign.id), eq(campaignContacts.contactId, ids.contactId)));
  if (!contact) return { drafted: 0, skipped: 0 };
  const drafted = await draftForContact(db, services.ai, campaign, contact.contact, now);
  // The last contact drafted may leave nothing to do (every message auto-approved and sent, or none made).
  await requestCompletionCheck(db, campaign.id, `drafted:${contact.contact.id}:${now.getTime()}`);
  return drafted;
}
