/**
 * The offline drafter: deterministic messages built from the campaign and the contact's fields, so a
 * campaign runs end to end without an AI provider. Same brief, same draft. It uses a `{{variable}}` only
 * when the contact has that value, so every draft renders; it is never empty.
 */
import type { Draft, DraftBrief, RevisionBrief } from './message-draft.ts';

export const OFFLINE_DRAFTER_MODEL = 'iris-offline-drafter-1';

function humanize(identifier: string): string {
  return identifier.replace(/_/g, ' ');
}

function greeting(brief: DraftBrief): string {
  return brief.contact.first_name ? 'Hi {{first_name}},' : 'Hi there,';
}

function about(brief: DraftBrief): string {
  const focus =
    brief.campaign.keywords[0] ?? brief.campaign.venueTypes[0] ?? humanize(brief.campaign.objectiveType);
  const place = brief.campaign.location ? ` in ${brief.campaign.location}` : '';
  return `${focus}${place}`;
}

function where(brief: DraftBrief): string {
  return brief.contact.company ? '{{company}}' : 'your team';
}

export function draftOffline(brief: DraftBrief): Draft {
  const direct = brief.channel !== 'email';
  if (brief.step === 0) {
    const body = direct
      ? `${greeting(brief)} I'm reaching out about ${brief.campaign.name} (${about(brief)}). Would ${where(brief)} be open to a quick chat?`
      : [
          greeting(brief),
          '',
          `I'm getting in touch about ${brief.campaign.name}: ${about(brief)}. I think it could be a good fit for ${where(brief)}.`,
          '',
          'Would you be open to a short call this week?',
          '',
          'Best regards',
        ].join('\n');
    const subject = direct
      ? null
      : brief.contact.company
        ? `${brief.campaign.name} for {{company}}`
        : brief.campaign.name;
    return { subject, body, model: OFFLINE_DRAFTER_MODEL };
  }
  const body = direct
    ? `${greeting(brief)} following up on my message about ${brief.campaign.name}. Happy to share details whenever suits you.`
    : [
        greeting(brief),
        '',
        `Following up on my note from ${brief.daysAfterFirst} day${brief.daysAfterFirst === 1 ? '' : 's'} ago about ${brief.campaign.name}.`,
        `If ${about(brief)} is of interest to ${where(brief)}, I'd be glad to tell you more.`,
        '',
        'Best regards',
      ].join('\n');
  const subject = direct ? null : `Re: ${brief.campaign.name}`;
  return { subject, body, model: OFFLINE_DRAFTER_MODEL };
}

/** A revision that answers the feedback: the feedback is acted on by a fixed, visible rewrite. */
export function reviseOffline(brief: RevisionBrief): Draft {
  const wantsShort = /\b(short|brief|concise|too long)/i.test(brief.feedback);
  const firstParagraph = brief.current.body.split(/\n\s*\n/)[0] ?? brief.current.body;
  const body = wantsShort
    ? `${firstParagraph.trim()}\n\nWorth a quick chat?`
    : `${brief.current.body.trim()}\n\nP.S. ${brief.feedback.trim().replace(/\s+/g, ' ').slice(0, 300)}`;
  return { subject: brief.current.subject, body, model: OFFLINE_DRAFTER_MODEL };
}
