/**
 * What the AI port is told to draft or revise one message: the campaign's brief, the contact's variables
 * that have a value, the channel and the step of the sequence.
 */
import type { campaigns } from '../../../db/schema.ts';
import type { contacts } from '../../../db/schema-contacts.ts';
import type { DraftBrief } from '../../integrations/ai/message-draft.ts';
import type { Channel } from '../campaigns/channels.ts';
import type { CONTACT_VARIABLES } from './variables.ts';

type CampaignRow = typeof campaigns.$inferSelect;
type ContactRow = Pick<
  typeof contacts.$inferSelect,
  | 'email'
  | 'firstName'
  | 'lastName'
  | 'company'
  | 'title'
  | 'location'
  | 'website'
  | 'instagramHandle'
  | 'xHandle'
  | 'attributes'
>;

/** The contact's values by variable name, only those it has. */
export function contactVariables(contact: ContactRow): Record<string, string> {
  const fields: Record<(typeof CONTACT_VARIABLES)[number], string | null> = {
    first_name: contact.firstName,
    last_name: contact.lastName,
    company: contact.company,
    title: contact.title,
    location: contact.location,
    email: contact.email,
    website: contact.website,
    instagram_handle: contact.instagramHandle,
    x_handle: contact.xHandle,
  };
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(contact.attributes)) if (value) values[name] = value;
  for (const [name, value] of Object.entries(fields)) if (value) values[name] = value;
  return values;
}

export function draftBriefFor(
  campaign: CampaignRow,
  contact: ContactRow,
  channel: Channel,
  step: number,
): DraftBrief {
  return {
    campaign: {
      name: campaign.name,
      objectiveType: campaign.objectiveType,
      location: campaign.location,
      keywords: campaign.keywords,
      venueTypes: campaign.venueTypes,
    },
    contact: contactVariables(contact),
    channel,
    step,
    daysAfterFirst: step === 0 ? 0 : (campaign.followupDays[step - 1] ?? 0),
  };
}
